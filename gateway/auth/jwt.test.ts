import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, basicSnapshot, keyHash, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// Bearer tokens end to end: the built-in token service's (keys in the snapshot) and an
// external issuer's (keys from its JWKS URI, served here by a real HTTP server).
const NOW = Date.parse('2026-06-15T12:00:00Z');
const seconds = Math.floor(NOW / 1000);
const ISSUER = 'https://tollgate.test/oauth2';
const AUDIENCE = 'tollgate';
const EXTERNAL = 'https://idp.test/';

let upstream: Upstream;
let gw: Gateway;
let jwks: http.Server;
let jwksFetches = 0;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let builtInKey: PrivateKey;
let externalKey: PrivateKey;
let publicBuiltIn: JWK;
let publicExternal: JWK;

beforeAll(async () => {
  const a = await generateKeyPair('ES256');
  const b = await generateKeyPair('ES256');
  builtInKey = a.privateKey;
  externalKey = b.privateKey;
  publicBuiltIn = { ...(await exportJWK(a.publicKey)), kid: 'k1', alg: 'ES256' };
  publicExternal = { ...(await exportJWK(b.publicKey)), kid: 'idp-1', alg: 'ES256' };
  jwks = http.createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicExternal] }));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  upstream = await startUpstream();
  gw = await startGateway(undefined, { clock: () => NOW });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  jwks.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

function snapshot(change: (b: SnapshotBody) => void = () => {}) {
  const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  return basicSnapshot(upstream.url, (b) => {
    b.tokens = { issuer: ISSUER, audience: AUDIENCE, keys: [publicBuiltIn] };
    b.apis[0]!.auth = {
      required: true,
      apiKey: { header: 'x-api-key' },
      oauth2: true,
      issuers: [{ issuer: EXTERNAL, jwksUri, audiences: ['api://hello'], algorithms: ['ES256'], clientIdClaim: 'azp' }],
    };
    b.applications[0]!.externalClients = [{ issuer: EXTERNAL, clientId: 'idp-client-1' }];
    change(b);
  });
}

interface TokenSpec {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: 'builtIn' | 'external';
}

async function token(spec: TokenSpec = {}): Promise<string> {
  const external = spec.key === 'external';
  const claims = external
    ? { iss: EXTERNAL, aud: 'api://hello', azp: 'idp-client-1', exp: seconds + 300, iat: seconds, scope: 'read', ...spec.claims }
    : { iss: ISSUER, aud: AUDIENCE, sub: 'team-b/app', client_id: keyHash(TEST_KEY), exp: seconds + 300, iat: seconds, scope: 'read write', ...spec.claims };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  const header = { alg: 'ES256', kid: external ? 'idp-1' : 'k1', typ: external ? 'JWT' : 'at+jwt', ...spec.header };
  return new SignJWT(claims).setProtectedHeader(header).sign(external ? externalKey : builtInKey);
}

interface Row {
  name: string;
  token: () => Promise<string>;
  change?: (b: SnapshotBody) => void;
  extraHeaders?: Record<string, string>;
  status: number;
  code?: string;
}

const rows: Row[] = [
  { name: 'built-in token', token: () => token(), status: 200 },
  { name: 'expired', token: () => token({ claims: { exp: seconds - 60 } }), status: 401, code: 'credentials-expired' },
  { name: 'expired within tolerance', token: () => token({ claims: { exp: seconds - 10 } }), status: 200 },
  { name: 'not yet valid', token: () => token({ claims: { nbf: seconds + 120 } }), status: 401, code: 'credentials-invalid' },
  { name: 'wrong audience', token: () => token({ claims: { aud: 'someone-else' } }), status: 401, code: 'credentials-invalid' },
  { name: 'wrong typ', token: () => token({ header: { typ: 'JWT' } }), status: 401, code: 'credentials-invalid' },
  { name: 'no exp', token: () => token({ claims: { exp: undefined } }), status: 401, code: 'credentials-invalid' },
  {
    name: 'HS256 with the public key as secret (algorithm confusion)',
    token: () =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'team-b/app', client_id: keyHash(TEST_KEY), exp: seconds + 60, iat: seconds })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
        .sign(new TextEncoder().encode(JSON.stringify(publicBuiltIn))),
    status: 401,
    code: 'credentials-invalid',
  },
  {
    name: 'unsigned (alg none)',
    token: async () => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'team-b/app', client_id: keyHash(TEST_KEY), exp: seconds + 60, iat: seconds })}.`;
    },
    status: 401,
    code: 'credentials-invalid',
  },
  { name: 'signed by a key not in the snapshot', token: () => token({ key: 'builtIn', header: { kid: 'idp-1' } }), status: 401, code: 'credentials-invalid' },
  { name: 'unknown issuer', token: () => token({ claims: { iss: 'https://evil.test/' } }), status: 401, code: 'credentials-invalid' },
  { name: 'credential of another application', token: () => token({ claims: { sub: 'team-z/other' } }), status: 401, code: 'credentials-invalid' },
  {
    name: 'credential revoked after the token was issued',
    token: () => token(),
    change: (b) => (b.applications[0]!.credentials[0]!.revoked = true),
    status: 401,
    code: 'credentials-revoked',
  },
  { name: 'oauth2 off for the API', token: () => token(), change: (b) => (b.apis[0]!.auth.oauth2 = false), status: 401, code: 'credentials-invalid' },
  { name: 'product scopes carried', token: () => token(), change: (b) => (b.products[0]!.scopes = ['write', 'admin']), status: 200 },
  {
    name: 'product scopes missing',
    token: () => token({ claims: { scope: 'read' } }),
    change: (b) => (b.products[0]!.scopes = ['write', 'admin']),
    status: 403,
    code: 'insufficient-scope',
  },
  { name: 'API key plus bearer token', token: () => token(), extraHeaders: { 'x-api-key': TEST_KEY }, status: 400, code: 'ambiguous-credentials' },
  { name: 'external issuer', token: () => token({ key: 'external' }), status: 200 },
  {
    name: 'external issuer, scp array',
    token: () => token({ key: 'external', claims: { scope: undefined, scp: ['write'] } }),
    change: (b) => (b.products[0]!.scopes = ['write']),
    status: 200,
  },
  { name: 'external, unknown client', token: () => token({ key: 'external', claims: { azp: 'stranger' } }), status: 401, code: 'credentials-invalid' },
  { name: 'external, wrong audience', token: () => token({ key: 'external', claims: { aud: 'api://other' } }), status: 401, code: 'credentials-invalid' },
  {
    name: 'external, suspended application',
    token: () => token({ key: 'external' }),
    change: (b) => (b.applications[0]!.suspended = 'Owner'),
    status: 403,
    code: 'application-suspended',
  },
];

describe('bearer tokens', () => {
  it.each(rows)('$name', async (row) => {
    expect(gw.applySnapshot(snapshot(row.change)).ok).toBe(true);
    const bearer = await row.token();
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { authorization: `Bearer ${bearer}`, ...row.extraHeaders } });
    expect(res.status, res.body).toBe(row.status);
    if (row.code) expect(res.json().code).toBe(row.code);
    if (row.status !== 200) return expect(upstream.seen).toHaveLength(0);
    const seen = upstream.seen[0]!;
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-tollgate-application']).toBe('team-b/app');
  });

  it('fetches an issuer key set once and keeps it across requests and reloads', async () => {
    const before = jwksFetches;
    gw.applySnapshot(snapshot((b) => (b.products[0]!.displayName = 'reloaded')));
    for (let i = 0; i < 5; i++) {
      const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { authorization: `Bearer ${await token({ key: 'external' })}` } });
      expect(res.status).toBe(200);
    }
    expect(jwksFetches - before).toBe(0);
    expect(jwksFetches).toBe(1);
  });
});
