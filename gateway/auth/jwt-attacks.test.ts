import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { FlattenedSign, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROBLEM_TYPE_BASE } from '../errors/error-codes.ts';
import type { Gateway } from '../server/create-gateway.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import {
  TEST_KEY,
  api,
  application,
  basicSnapshot,
  keyHash,
  send,
  startGateway,
  startUpstream,
  subscription,
  type Upstream,
} from '../../test/gateway/fixtures.ts';

// Attacks on bearer tokens, through a real gateway, a real upstream and a real JWKS
// server on loopback. Every attack must be refused with a problem+json and a stable
// code, and must never reach the upstream. Each family of attack has a control next to
// it: the same construction, made honestly, is accepted — so a refusal below is the
// check under test doing its work, not a token that was broken some other way.

const NOW = Date.parse('2026-06-15T12:00:00Z');
const T = Math.floor(NOW / 1000);
const ISSUER = 'https://tollgate.test/oauth2';
const AUDIENCE = 'tollgate';
const IDP = 'https://idp.test/';
const OTHER = 'https://other-idp.test/';
const VICTIM_KEY = 'victim-key-0123456789abcdef';

type Jwk = Record<string, unknown>;
interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Jwk;
}

function ecPair(kid: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}
function rsaPair(kid: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

let k1: Pair; // built-in, in the snapshot
let k2: Pair; // built-in, in the snapshot (rotation overlap)
let builtInRsa: Pair; // an RSA key with a built-in kid, never published
let idpEc: Pair; // external issuer, in its JWKS, pinned algorithm ES256
let idpRsa: Pair; // external issuer, in its JWKS too, but RS256 is not pinned
let otherEc: Pair; // an issuer only the other API accepts
let attacker: Pair; // nobody's

let upstream: Upstream;
let gw: Gateway;
let jwks: http.Server;
const jwksFetches = new Map<string, number>();
let jwksBase: string;

beforeAll(async () => {
  k1 = ecPair('k1');
  k2 = ecPair('k2');
  builtInRsa = rsaPair('k1');
  idpEc = ecPair('idp-ec');
  idpRsa = rsaPair('idp-rsa');
  otherEc = ecPair('other-1');
  attacker = ecPair('attacker');
  const sets: Record<string, Jwk[]> = {
    '/idp': [idpEc.jwk, idpRsa.jwk],
    '/other': [otherEc.jwk],
    '/attacker': [attacker.jwk],
  };
  jwks = http.createServer((req, res) => {
    const path = req.url ?? '';
    jwksFetches.set(path, (jwksFetches.get(path) ?? 0) + 1);
    const keys = sets[path];
    if (!keys) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  jwksBase = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  upstream = await startUpstream();
  gw = await startGateway(undefined, { clock: () => NOW });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  jwks?.closeAllConnections();
  jwks?.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

/**
 * `/hello/1.0.0` accepts the built-in service's tokens and IDP's (ES256 only, audience
 * api://hello); `/other/1.0.0` accepts only OTHER's. team-b/app and team-c/victim are
 * both subscribed to a product covering both APIs.
 */
function snapshot(change: (b: SnapshotBody) => void = () => {}) {
  return basicSnapshot(upstream.url, (b) => {
    b.tokens = { issuer: ISSUER, audience: AUDIENCE, keys: [k1.jwk, k2.jwk] };
    b.apis[0]!.auth = {
      required: true,
      apiKey: { header: 'x-api-key' },
      oauth2: true,
      issuers: [{ issuer: IDP, jwksUri: `${jwksBase}/idp`, audiences: ['api://hello'], algorithms: ['ES256'], clientIdClaim: 'azp' }],
    };
    b.apis.push(
      api({
        name: 'other',
        context: '/other',
        upstreamUrl: upstream.url,
        auth: {
          required: true,
          oauth2: false,
          issuers: [{ issuer: OTHER, jwksUri: `${jwksBase}/other`, audiences: ['api://other'], algorithms: ['ES256'], clientIdClaim: 'client_id' }],
        },
      }),
    );
    b.routes.push({ host: '*', basePath: '/other/1.0.0', api: 'team-a/other' });
    b.products[0]!.operations.push({ api: 'team-a/other', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] });
    b.applications[0]!.externalClients = [
      { issuer: IDP, clientId: 'idp-client-1' },
      { issuer: OTHER, clientId: 'other-client-1' },
    ];
    b.applications.push(application(VICTIM_KEY, { id: 'team-c/victim', namespace: 'team-c', name: 'victim' }));
    b.subscriptions.push(subscription({ id: 'team-c/victim-gold', application: 'team-c/victim' }));
    change(b);
  });
}

// --- token construction ------------------------------------------------------------

type Claims = Record<string, unknown>;
const prune = (o: Claims): Claims => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const builtInClaims = (over: Claims = {}): Claims =>
  prune({ iss: ISSUER, aud: AUDIENCE, sub: 'team-b/app', client_id: keyHash(TEST_KEY), scope: 'read', iat: T, exp: T + 300, jti: 'jti-1', ...over });
const idpClaims = (over: Claims = {}): Claims => prune({ iss: IDP, aud: 'api://hello', azp: 'idp-client-1', scope: 'read', iat: T, exp: T + 300, ...over });
const otherClaims = (over: Claims = {}): Claims => prune({ iss: OTHER, aud: 'api://other', client_id: 'other-client-1', iat: T, exp: T + 300, ...over });

const builtInHeader = (over: Claims = {}) => prune({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...over });
const idpHeader = (over: Claims = {}) => prune({ alg: 'ES256', kid: 'idp-ec', typ: 'JWT', ...over });

/** A token made the ordinary way, with jose. */
function joseToken(claims: Claims, header: Claims, key: KeyObject, crit?: Record<string, boolean>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key, crit ? { crit } : undefined);
}
const builtIn = (over: Claims = {}, header: Claims = {}, key = k1.privateKey) => joseToken(builtInClaims(over), builtInHeader(header), key);
const fromIdp = (over: Claims = {}, header: Claims = {}, key = idpEc.privateKey) => joseToken(idpClaims(over), idpHeader(header), key);

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
type Signer = (input: string) => Buffer;
const es256 =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
const rs256 =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), key);
const hs256 =
  (secret: string | Buffer): Signer =>
  (input) =>
    createHmac('sha256', secret).update(input).digest();
const unsigned: Signer = () => Buffer.alloc(0);

/** A compact JWS built by hand, byte for byte; a payload given as a string is used as is. */
function compact(header: Claims | string, payload: Claims | string, signer: Signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input).toString('base64url')}`;
}

const parts = (token: string) => token.split('.') as [string, string, string];
const decode = (segment: string): Claims => JSON.parse(Buffer.from(segment, 'base64url').toString());
/** The signed token with its payload (or header) replaced after signing; the signature is kept. */
async function tamperPayload(token: Promise<string>, change: (c: Claims) => Claims): Promise<string> {
  const [h, p, s] = parts(await token);
  return `${h}.${b64(change(decode(p)))}.${s}`;
}
async function tamperHeader(token: Promise<string>, change: (c: Claims) => Claims): Promise<string> {
  const [h, p, s] = parts(await token);
  return `${b64(change(decode(h)))}.${p}.${s}`;
}

const pem = (pair: Pair) => pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const der = (pair: Pair) => pair.publicKey.export({ type: 'spki', format: 'der' });
/** The JWK as RFC 7638 orders its required members (what a thumbprint hashes). */
const canonicalJwk = (pair: Pair) => {
  const { crv, kty, x, y } = pair.jwk;
  return JSON.stringify({ crv, kty, x, y });
};

// --- the tables ----------------------------------------------------------------------

interface Row {
  name: string;
  /** The whole Authorization header value. */
  authorization: () => Promise<string> | string;
  path?: string;
  change?: (b: SnapshotBody) => void;
}
interface Attack extends Row {
  status?: number;
  code: string;
  /** What the problem's detail must say: proof the intended check refused it, not an accident of construction. */
  why?: RegExp;
}
interface Control extends Row {
  application?: string;
  issuer?: string;
}

const bearer = (token: () => Promise<string> | string) => async (): Promise<string> => `Bearer ${await token()}`;

const HELLO = '/hello/1.0.0/x';
const OTHER_PATH = '/other/1.0.0/x';

const SIGNATURE = /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/;
const ALG = /ERR_JOSE_ALG_NOT_ALLOWED/;
const CLAIM = /ERR_JWT_CLAIM_VALIDATION_FAILED/;
const NO_KEY = /ERR_JWKS_NO_MATCHING_KEY/;
const NOT_ACCEPTED = /not from an issuer this API accepts/;

const controls: Control[] = [
  { name: 'built-in token (jose, k1)', authorization: bearer(() => builtIn()) },
  { name: 'built-in token signed by the second published key (k2)', authorization: bearer(() => builtIn({}, { kid: 'k2' }, k2.privateKey)) },
  {
    name: 'built-in token built by hand (the helper the attacks use)',
    authorization: bearer(() => compact(builtInHeader(), builtInClaims(), es256(k1.privateKey))),
  },
  { name: 'built-in token, typ application/at+jwt', authorization: bearer(() => builtIn({}, { typ: 'application/at+jwt' })) },
  { name: 'built-in token, expired 29 s ago (within tolerance)', authorization: bearer(() => builtIn({ exp: T - 29 })) },
  { name: 'built-in token, nbf 29 s ahead (within tolerance)', authorization: bearer(() => builtIn({ nbf: T + 29 })) },
  { name: 'built-in token, audience among several', authorization: bearer(() => builtIn({ aud: ['someone-else', AUDIENCE] })) },
  {
    name: 'built-in token of the victim, to the victim',
    authorization: bearer(() => builtIn({ sub: 'team-c/victim', client_id: keyHash(VICTIM_KEY) })),
    application: 'team-c/victim',
  },
  {
    name: 'built-in token carrying the scope the product needs',
    authorization: bearer(() => builtIn({ scope: 'read admin' })),
    change: (b) => (b.products[0]!.scopes = ['admin']),
  },
  { name: 'lower-case bearer scheme', authorization: async () => `bearer ${await builtIn()}` },
  { name: 'external issuer token', authorization: bearer(() => fromIdp()), issuer: IDP },
  { name: 'external issuer token built by hand', authorization: bearer(() => compact(idpHeader(), idpClaims(), es256(idpEc.privateKey))), issuer: IDP },
  {
    name: 'external RS256 token once RS256 is pinned too',
    authorization: bearer(() => fromIdp({}, { alg: 'RS256', kid: 'idp-rsa' }, idpRsa.privateKey)),
    change: (b) => (b.apis[0]!.auth.issuers[0]!.algorithms = ['ES256', 'RS256']),
    issuer: IDP,
  },
  {
    name: 'the other issuer, at the API that accepts it',
    authorization: bearer(() => joseToken(otherClaims(), { alg: 'ES256', kid: 'other-1' }, otherEc.privateKey)),
    path: OTHER_PATH,
    issuer: OTHER,
  },
];

const attacks: Attack[] = [
  // alg none
  {
    name: 'alg none, unsigned',
    authorization: bearer(() => compact({ alg: 'none' }, builtInClaims(), unsigned)),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'alg none with typ at+jwt and kid',
    authorization: bearer(() => compact({ alg: 'none', typ: 'at+jwt', kid: 'k1' }, builtInClaims(), unsigned)),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'alg None (case variant), typ at+jwt',
    authorization: bearer(() => compact({ alg: 'None', typ: 'at+jwt', kid: 'k1' }, builtInClaims(), unsigned)),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'alg none keeping a real signature',
    authorization: bearer(async () => {
      const [, p, s] = parts(await builtIn());
      return `${b64({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${p}.${s}`;
    }),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'alg none, external issuer',
    authorization: bearer(() => compact({ alg: 'none', kid: 'idp-ec' }, idpClaims(), unsigned)),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'no alg at all',
    authorization: bearer(() => compact({ typ: 'at+jwt', kid: 'k1' }, builtInClaims(), es256(k1.privateKey))),
    code: 'credentials-invalid',
  },

  // algorithm confusion: the public key used as an HMAC secret
  {
    name: 'HS256 keyed with the published JWK (as the snapshot holds it)',
    authorization: bearer(() => compact(builtInHeader({ alg: 'HS256' }), builtInClaims(), hs256(JSON.stringify(k1.jwk)))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'HS256 keyed with the JWK in thumbprint order',
    authorization: bearer(() => compact(builtInHeader({ alg: 'HS256' }), builtInClaims(), hs256(canonicalJwk(k1)))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'HS256 keyed with the PEM public key',
    authorization: bearer(() => compact(builtInHeader({ alg: 'HS256' }), builtInClaims(), hs256(pem(k1)))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'HS256 keyed with the DER public key',
    authorization: bearer(() => compact(builtInHeader({ alg: 'HS256' }), builtInClaims(), hs256(der(k1)))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'HS256 keyed with the external issuer JWK',
    authorization: bearer(() => compact(idpHeader({ alg: 'HS256' }), idpClaims(), hs256(JSON.stringify(idpEc.jwk)))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'HS256 keyed with the external issuer PEM, HS256 header without kid',
    authorization: bearer(() => compact({ alg: 'HS256', typ: 'JWT' }, idpClaims(), hs256(pem(idpEc)))),
    code: 'credentials-invalid',
    why: ALG,
  },

  // tampering after signing
  {
    name: 'payload tampered: sub and client_id switched to another application',
    authorization: bearer(() => tamperPayload(builtIn(), (c) => ({ ...c, sub: 'team-c/victim', client_id: keyHash(VICTIM_KEY) }))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'payload tampered: scope escalated',
    authorization: bearer(() => tamperPayload(builtIn(), (c) => ({ ...c, scope: 'read admin' }))),
    change: (b) => (b.products[0]!.scopes = ['admin']),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'payload tampered: exp extended on an expired token',
    authorization: bearer(() => tamperPayload(builtIn({ exp: T - 3600 }), (c) => ({ ...c, exp: T + 3600 }))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'payload re-encoded: same claims, different bytes',
    authorization: bearer(async () => {
      const [h, p, s] = parts(await builtIn());
      return `${h}.${b64(JSON.stringify(decode(p), null, 1))}.${s}`;
    }),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'external payload tampered: azp switched',
    authorization: bearer(() => tamperPayload(fromIdp({ azp: 'stranger' }), (c) => ({ ...c, azp: 'idp-client-1' }))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'header tampered: kid swapped to the other published key',
    authorization: bearer(() => tamperHeader(builtIn(), (h) => ({ ...h, kid: 'k2' }))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'header tampered: typ JWT changed to at+jwt',
    authorization: bearer(() => tamperHeader(builtIn({}, { typ: 'JWT' }), (h) => ({ ...h, typ: 'at+jwt' }))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'signature of another token',
    authorization: bearer(async () => {
      const [h, p] = parts(await builtIn({ scope: 'read admin' }));
      const [, , s] = parts(await builtIn());
      return `${h}.${p}.${s}`;
    }),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'signature stripped',
    authorization: bearer(
      async () =>
        `${parts(await builtIn())
          .slice(0, 2)
          .join('.')}.`,
    ),
    code: 'credentials-invalid',
  },

  // issuer and audience
  { name: 'wrong iss', authorization: bearer(() => builtIn({ iss: 'https://evil.test/oauth2' })), code: 'credentials-invalid', why: NOT_ACCEPTED },
  { name: 'iss with a trailing slash', authorization: bearer(() => builtIn({ iss: ISSUER + '/' })), code: 'credentials-invalid', why: NOT_ACCEPTED },
  { name: 'iss missing', authorization: bearer(() => builtIn({ iss: undefined })), code: 'credentials-invalid', why: NOT_ACCEPTED },
  { name: 'iss not a string', authorization: bearer(() => builtIn({ iss: [ISSUER] })), code: 'credentials-invalid', why: NOT_ACCEPTED },
  { name: 'wrong aud', authorization: bearer(() => builtIn({ aud: 'someone-else' })), code: 'credentials-invalid', why: CLAIM },
  { name: 'aud missing', authorization: bearer(() => builtIn({ aud: undefined })), code: 'credentials-invalid', why: /ERR_JWT_CLAIM_VALIDATION_FAILED|aud/ },
  { name: 'external: wrong aud', authorization: bearer(() => fromIdp({ aud: 'api://other' })), code: 'credentials-invalid', why: CLAIM },
  { name: 'external: aud missing', authorization: bearer(() => fromIdp({ aud: undefined })), code: 'credentials-invalid', why: CLAIM },

  // time
  { name: 'expired 31 s ago (beyond the 30 s tolerance)', authorization: bearer(() => builtIn({ exp: T - 31 })), code: 'credentials-expired' },
  { name: 'expired an hour ago', authorization: bearer(() => builtIn({ iat: T - 7200, exp: T - 3600 })), code: 'credentials-expired' },
  { name: 'external: expired', authorization: bearer(() => fromIdp({ exp: T - 31 })), code: 'credentials-expired' },
  { name: 'nbf 31 s in the future (beyond tolerance)', authorization: bearer(() => builtIn({ nbf: T + 31 })), code: 'credentials-invalid', why: CLAIM },
  { name: 'nbf a day in the future', authorization: bearer(() => builtIn({ nbf: T + 86_400, exp: T + 90_000 })), code: 'credentials-invalid', why: CLAIM },
  { name: 'external: nbf in the future', authorization: bearer(() => fromIdp({ nbf: T + 120 })), code: 'credentials-invalid', why: CLAIM },
  { name: 'iat missing', authorization: bearer(() => builtIn({ iat: undefined })), code: 'credentials-invalid', why: CLAIM },
  { name: 'iat not a number', authorization: bearer(() => builtIn({ iat: String(T) })), code: 'credentials-invalid', why: CLAIM },
  { name: 'exp missing', authorization: bearer(() => builtIn({ exp: undefined })), code: 'credentials-invalid', why: CLAIM },
  { name: 'external: exp missing', authorization: bearer(() => fromIdp({ exp: undefined })), code: 'credentials-invalid', why: CLAIM },

  // keys
  { name: 'unknown kid', authorization: bearer(() => builtIn({}, { kid: 'k9' })), code: 'credentials-invalid', why: NO_KEY },
  { name: 'kid missing', authorization: bearer(() => builtIn({}, { kid: undefined })), code: 'credentials-invalid', why: /ERR_JWKS_/ },
  {
    name: 'kid missing, with a single published key',
    authorization: bearer(() => builtIn({}, { kid: undefined })),
    change: (b) => (b.tokens!.keys = [k1.jwk]),
    code: 'credentials-invalid',
    why: NO_KEY,
  },
  {
    name: 'external: unknown kid',
    authorization: bearer(() => fromIdp({}, { kid: 'idp-unknown' }, attacker.privateKey)),
    code: 'credentials-invalid',
    why: NO_KEY,
  },
  {
    name: 'signed by a key nobody published, known kid',
    authorization: bearer(() => builtIn({}, {}, attacker.privateKey)),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'embedded jwk header naming the attacker key',
    authorization: bearer(() =>
      builtIn({}, { jwk: { kty: attacker.jwk.kty, crv: attacker.jwk.crv, x: attacker.jwk.x, y: attacker.jwk.y } }, attacker.privateKey),
    ),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'jku header pointing at the attacker key set',
    authorization: bearer(() => builtIn({}, { kid: 'attacker', jku: `${jwksBase}/attacker` }, attacker.privateKey)),
    code: 'credentials-invalid',
    why: NO_KEY,
  },
  {
    name: 'external: jku header pointing at the attacker key set',
    authorization: bearer(() => fromIdp({}, { kid: 'attacker', jku: `${jwksBase}/attacker` }, attacker.privateKey)),
    code: 'credentials-invalid',
    why: NO_KEY,
  },

  // issuers the API does not accept
  {
    name: 'token of another issuer (valid signature, accepted only by another API)',
    authorization: bearer(() => joseToken(otherClaims({ aud: ['api://other', 'api://hello'] }), { alg: 'ES256', kid: 'other-1' }, otherEc.privateKey)),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  { name: 'built-in token at an API without oauth2', authorization: bearer(() => builtIn()), path: OTHER_PATH, code: 'credentials-invalid', why: NOT_ACCEPTED },
  {
    name: 'external issuer token at an API that does not accept it',
    authorization: bearer(() => fromIdp({ aud: ['api://hello', 'api://other'] })),
    path: OTHER_PATH,
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  {
    name: 'signed by the external issuer key, claiming the built-in issuer (its kid)',
    authorization: bearer(() => builtIn({}, { kid: 'idp-ec' }, idpEc.privateKey)),
    code: 'credentials-invalid',
    why: NO_KEY,
  },
  {
    name: 'signed by the external issuer key, claiming the built-in issuer (kid k1)',
    authorization: bearer(() => builtIn({}, { kid: 'k1' }, idpEc.privateKey)),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'signed by a built-in key, claiming the external issuer',
    authorization: bearer(() => fromIdp({}, { kid: 'k1' }, k1.privateKey)),
    code: 'credentials-invalid',
    why: NO_KEY,
  },

  // typ: ID tokens are not access tokens
  {
    name: 'typ JWT (an ID token)',
    authorization: bearer(() => builtIn({ nonce: 'n-1', auth_time: T }, { typ: 'JWT' })),
    code: 'credentials-invalid',
    why: CLAIM,
  },
  { name: 'typ missing', authorization: bearer(() => builtIn({}, { typ: undefined })), code: 'credentials-invalid', why: CLAIM },
  { name: 'typ application/jwt', authorization: bearer(() => builtIn({}, { typ: 'application/jwt' })), code: 'credentials-invalid', why: CLAIM },

  // algorithm pinning
  {
    name: 'RS256 by a key the external issuer publishes, only ES256 pinned',
    authorization: bearer(() => fromIdp({}, { alg: 'RS256', kid: 'idp-rsa' }, idpRsa.privateKey)),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'RS256 built-in token (only ES256 keys published)',
    authorization: bearer(() => compact(builtInHeader({ alg: 'RS256' }), builtInClaims(), rs256(builtInRsa.privateKey))),
    code: 'credentials-invalid',
    why: ALG,
  },
  {
    name: 'ES384 header on an ES256 signature',
    authorization: bearer(() => compact(builtInHeader({ alg: 'ES384' }), builtInClaims(), es256(k1.privateKey))),
    code: 'credentials-invalid',
    why: ALG,
  },

  // crit
  {
    name: 'crit with an unknown extension',
    authorization: bearer(() =>
      joseToken(builtInClaims(), builtInHeader({ crit: ['x-tollgate-policy'], 'x-tollgate-policy': 'bypass' }), k1.privateKey, { 'x-tollgate-policy': true }),
    ),
    code: 'credentials-invalid',
    why: /ERR_JOSE_NOT_SUPPORTED|ERR_JWS_INVALID/,
  },
  {
    name: 'external: crit with an unknown extension',
    authorization: bearer(() => joseToken(idpClaims(), idpHeader({ crit: ['exp'], exp: 1 }), idpEc.privateKey, { exp: true })),
    code: 'credentials-invalid',
    why: /ERR_JOSE_NOT_SUPPORTED|ERR_JWS_INVALID/,
  },
  {
    // Signed over exactly the bytes an unencoded-payload JWS would sign, so only the b64 rule can refuse it.
    name: 'crit b64 false (unencoded payload)',
    authorization: bearer(() => compact(builtInHeader({ b64: false, crit: ['b64'] }), builtInClaims(), es256(k1.privateKey))),
    code: 'credentials-invalid',
    why: /ERR_JWT_INVALID/,
  },

  // credentials named by client_id
  {
    name: 'client_id naming a revoked credential',
    authorization: bearer(() => builtIn()),
    change: (b) => (b.applications[0]!.credentials[0]!.revoked = true),
    code: 'credentials-revoked',
  },
  {
    name: 'client_id naming an expired credential',
    authorization: bearer(() => builtIn()),
    change: (b) => (b.applications[0]!.credentials[0]!.expiresAt = new Date(NOW - 1000).toISOString()),
    code: 'credentials-expired',
  },
  {
    name: 'client_id naming an unknown credential',
    authorization: bearer(() => builtIn({ client_id: keyHash('no-such-key') })),
    code: 'credentials-invalid',
    why: /no known credential/,
  },
  {
    name: 'client_id being the consumer key itself',
    authorization: bearer(() => builtIn({ client_id: TEST_KEY })),
    code: 'credentials-invalid',
    why: /no known credential/,
  },
  {
    name: 'client_id of another application',
    authorization: bearer(() => builtIn({ client_id: keyHash(VICTIM_KEY) })),
    code: 'credentials-invalid',
    why: /no known credential/,
  },
  { name: 'client_id missing', authorization: bearer(() => builtIn({ client_id: undefined })), code: 'credentials-invalid' },
  { name: 'client_id not a string', authorization: bearer(() => builtIn({ client_id: [keyHash(TEST_KEY)] })), code: 'credentials-invalid' },
  { name: 'sub missing', authorization: bearer(() => builtIn({ sub: undefined })), code: 'credentials-invalid' },
  {
    name: 'external: client maps to no application',
    authorization: bearer(() => fromIdp({ azp: 'stranger' })),
    code: 'credentials-invalid',
    why: /no application/,
  },
  {
    name: 'external: client id claim missing',
    authorization: bearer(() => fromIdp({ azp: undefined, client_id: 'idp-client-1' })),
    code: 'credentials-invalid',
    why: /azp/,
  },

  // shapes
  {
    name: 'JWS JSON serialisation (flattened), validly signed',
    authorization: bearer(async () => {
      const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(builtInClaims()))).setProtectedHeader(builtInHeader()).sign(k1.privateKey);
      return JSON.stringify(jws);
    }),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  {
    name: 'JWS JSON serialisation (general), validly signed',
    authorization: bearer(async () => {
      const [h, p, s] = parts(await builtIn());
      return JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] });
    }),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  { name: 'valid token with a trailing dot', authorization: bearer(async () => `${await builtIn()}.`), code: 'credentials-invalid', why: NOT_ACCEPTED },
  {
    name: 'valid token with an extra segment',
    authorization: bearer(async () => `${await builtIn()}.${parts(await builtIn())[2]}`),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  {
    name: 'two segments only',
    authorization: bearer(async () =>
      parts(await builtIn())
        .slice(0, 2)
        .join('.'),
    ),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  {
    name: 'five segments (JWE shape)',
    authorization: bearer(() => `${b64({ alg: 'dir', enc: 'A256GCM' })}..${b64('iv')}.${b64('ct')}.${b64('tag')}`),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  { name: 'only dots', authorization: () => 'Bearer ..', code: 'credentials-invalid', why: NOT_ACCEPTED },
  { name: 'not base64url', authorization: () => 'Bearer !!!.???.***', code: 'credentials-invalid', why: NOT_ACCEPTED },
  {
    name: 'payload not JSON',
    authorization: bearer(() => compact(builtInHeader(), 'not json', es256(k1.privateKey))),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  {
    name: 'payload a JSON array',
    authorization: bearer(() => compact(builtInHeader(), '[1,2,3]', es256(k1.privateKey))),
    code: 'credentials-invalid',
    why: NOT_ACCEPTED,
  },
  { name: 'header not JSON', authorization: bearer(() => compact('{"alg":"ES256"', builtInClaims(), es256(k1.privateKey))), code: 'credentials-invalid' },
  { name: 'empty bearer token', authorization: () => 'Bearer ', code: 'credentials-missing' },
  { name: 'empty bearer token with spaces', authorization: () => 'Bearer      ', code: 'credentials-missing' },
  { name: 'empty string', authorization: () => '', code: 'credentials-missing' },

  // size
  {
    name: 'oversized token (12 KB, forged signature)',
    authorization: bearer(() => compact(builtInHeader(), builtInClaims({ pad: 'x'.repeat(9_000) }), es256(attacker.privateKey))),
    code: 'credentials-invalid',
    why: SIGNATURE,
  },
  {
    name: 'oversized token (deeply nested claim, unsigned)',
    authorization: bearer(() => compact(builtInHeader(), `{"iss":"${ISSUER}","x":${'['.repeat(5000)}${']'.repeat(5000)}}`, unsigned)),
    code: 'credentials-invalid',
  },
  { name: 'oversized token (12 KB of garbage)', authorization: () => `Bearer ${'A'.repeat(12_000)}`, code: 'credentials-invalid', why: NOT_ACCEPTED },
];

async function call(row: Row) {
  expect(gw.applySnapshot(snapshot(row.change)).ok).toBe(true);
  const authorization = await row.authorization();
  const headers: Record<string, string> = authorization === '' ? {} : { authorization };
  return send(gw.proxyPort, row.path ?? HELLO, { headers });
}

describe('JWT attacks are refused before the upstream', () => {
  it.each(controls)('control: $name', async (row) => {
    const res = await call(row);
    expect(res.status, res.body).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0]!;
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-tollgate-application']).toBe(row.application ?? 'team-b/app');
    if (row.issuer) expect(seen.headers['x-tollgate-issuer']).toBe(row.issuer);
  });

  it.each(attacks)('$name', async (row) => {
    const res = await call(row);
    const status = row.status ?? 401;
    expect(res.status, res.body).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const problem = res.json();
    expect(problem).toMatchObject({ status, code: row.code, type: PROBLEM_TYPE_BASE + row.code });
    if (row.why) expect(problem.detail).toMatch(row.why);
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a token larger than the header limit before reading it (431, not 401)', async () => {
    expect(gw.applySnapshot(snapshot()).ok).toBe(true);
    const huge = compact(builtInHeader(), builtInClaims({ pad: 'x'.repeat(20_000) }), es256(k1.privateKey));
    const res = await send(gw.proxyPort, HELLO, { headers: { authorization: `Bearer ${huge}` } });
    expect(res.status).toBe(431);
    expect(res.json().code).toBe('headers-too-large');
    expect(upstream.seen).toEqual([]);
  });

  it('never fetched a key set a token pointed at (jku)', () => {
    expect(jwksFetches.get('/attacker') ?? 0).toBe(0);
    expect(jwksFetches.get('/idp')).toBeGreaterThanOrEqual(1);
  });
});
