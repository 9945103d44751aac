import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimitStore } from '../limits/memory-store.ts';
import type { Gateway } from '../server/create-gateway.ts';
import type { JwtIssuer } from '../snapshot/types.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import {
  api,
  application,
  basicSnapshot,
  send,
  startGateway,
  startUpstream,
  subscription,
  type SimpleResponse,
  type Upstream,
} from '../../test/gateway/fixtures.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { RemoteKeySets, externalVerifier } from './jwt-verifier.ts';

// An API that accepts an external issuer's tokens (WSO2's third-party key managers):
// keys from the issuer's JWKS, served here by a real HTTP server on loopback; the
// issuer's client id claim maps to an Application through `externalClients`, and from
// there the application's subscription, quota and the product's scopes apply.

const NOW = Date.parse('2026-06-15T12:00:30Z');
const IDP = 'https://idp.test/';
const ELSEWHERE = 'https://elsewhere.test/';

type Jwk = Record<string, unknown>;
interface Pair {
  privateKey: KeyObject;
  jwk: Jwk;
}
function ecPair(kid: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

let idp1: Pair;
let idp2: Pair; // published later: a rotation at the issuer
let upstream: Upstream;
let gw: Gateway;
/** The gateway's clock: tokens' times and quota windows. (The JWKS cache runs on Date.now.) */
let clock = NOW;

/** One loopback JWKS server; each path is its own key set, with its own answer and fetch count. */
interface KeySetState {
  keys: Jwk[];
  status: number;
  fetches: number;
}
let jwksServer: http.Server;
let jwksBase: string;
const keySets = new Map<string, KeySetState>();
function keySet(path: string, keys: Jwk[] = [idp1.jwk], status = 200): KeySetState {
  const state = { keys, status, fetches: 0 };
  keySets.set(path, state);
  return state;
}
function jwksHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const state = keySets.get(req.url ?? '');
  if (!state) return void res.writeHead(404).end();
  state.fetches++;
  if (state.status !== 200) return void res.writeHead(state.status).end('unavailable');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: state.keys }));
}

beforeAll(async () => {
  idp1 = ecPair('idp-1');
  idp2 = ecPair('idp-2');
  jwksServer = http.createServer(jwksHandler);
  jwksServer.listen(0, '127.0.0.1');
  await once(jwksServer, 'listening');
  jwksBase = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  upstream = await startUpstream();
  gw = await startGateway(undefined, { clock: () => clock, limitStore: new MemoryLimitStore() });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  jwksServer?.closeAllConnections();
  jwksServer?.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
  clock = NOW;
});
afterEach(() => {
  vi.useRealTimers();
});

const QUOTA = { limit: 3, interval: 1, timeUnit: 'minute' as const };

function issuer(path: string, over: Partial<JwtIssuer> = {}): JwtIssuer {
  return { issuer: IDP, jwksUri: `${jwksBase}${path}`, audiences: ['api://hello', 'api://hello-alt'], algorithms: ['ES256'], clientIdClaim: 'azp', ...over };
}

/**
 * `/hello/1.0.0` accepts IDP's tokens only. team-b/app has two IDP clients (and one at
 * another issuer) and a quota of 3 a minute on gold, which needs scope `read`;
 * team-c/second has its own client and quota; team-d/lonely has a client and no subscription.
 */
function snapshot(jwksPath: string, change: (b: SnapshotBody) => void = () => {}) {
  return basicSnapshot(upstream.url, (b) => {
    b.apis[0]!.auth = { required: true, oauth2: false, issuers: [issuer(jwksPath)] };
    b.products[0]!.scopes = ['read'];
    b.applications = [
      application('unused-key-b', {
        externalClients: [
          { issuer: IDP, clientId: 'client-a' },
          { issuer: IDP, clientId: 'client-a2' },
          { issuer: ELSEWHERE, clientId: 'client-x' },
        ],
      }),
      application('unused-key-c', { id: 'team-c/second', namespace: 'team-c', name: 'second', externalClients: [{ issuer: IDP, clientId: 'client-c' }] }),
      application('unused-key-d', { id: 'team-d/lonely', namespace: 'team-d', name: 'lonely', externalClients: [{ issuer: IDP, clientId: 'client-d' }] }),
    ];
    b.subscriptions = [subscription(), subscription({ id: 'team-c/second-gold', application: 'team-c/second' })];
    change(b);
  });
}

function apply(jwksPath: string, change?: (b: SnapshotBody) => void): void {
  const result = gw.applySnapshot(snapshot(jwksPath, change));
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

function token(claims: Record<string, unknown> = {}, key: Pair = idp1, kid: string = String(key.jwk.kid)): Promise<string> {
  const t = Math.floor(clock / 1000);
  const all: Record<string, unknown> = { iss: IDP, aud: 'api://hello', azp: 'client-a', scope: 'read', iat: t, exp: t + 300, ...claims };
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  return new SignJWT(all).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key.privateKey);
}

async function call(bearer: string | Promise<string>, path = '/hello/1.0.0/x'): Promise<SimpleResponse> {
  return send(gw.proxyPort, path, { headers: { authorization: `Bearer ${await bearer}` } });
}

function expectProblem(res: SimpleResponse, status: number, code: string): void {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.json().code).toBe(code);
}

describe('an API accepting an external issuer', () => {
  it("maps the issuer's client id claim to the application, whose subscription applies", async () => {
    keySet('/map');
    apply('/map');
    const a = await call(token());
    expect(a.status, a.body).toBe(200);
    const c = await call(token({ azp: 'client-c' }));
    expect(c.status, c.body).toBe(200);
    expect(upstream.seen.map((s) => s.headers['x-tollgate-application'])).toEqual(['team-b/app', 'team-c/second']);
    for (const seen of upstream.seen) {
      expect(seen.headers.authorization).toBeUndefined();
      expect(seen.headers['x-tollgate-issuer']).toBe(IDP);
      expect(seen.headers['x-tollgate-product']).toBe('team-a/gold');
      expect(seen.headers['x-tollgate-credential']).toBeUndefined();
    }
  });

  it('reads the client id from the configured claim only', async () => {
    keySet('/claim');
    apply('/claim', (b) => (b.apis[0]!.auth.issuers[0]!.clientIdClaim = 'client_id'));
    const res = await call(token({ client_id: 'client-c', azp: 'client-a' }));
    expect(res.status, res.body).toBe(200);
    expect(upstream.seen[0]!.headers['x-tollgate-application']).toBe('team-c/second');
    // azp alone no longer names anyone.
    expectProblem(await call(token({ azp: 'client-a' })), 401, 'credentials-invalid');
    expect(upstream.seen).toHaveLength(1);
  });

  it('refuses a client that maps to no application (401) and one without a subscription (403)', async () => {
    keySet('/unmapped');
    apply('/unmapped');
    expectProblem(await call(token({ azp: 'stranger' })), 401, 'credentials-invalid');
    // Registered, but for another issuer: the mapping is per issuer.
    expectProblem(await call(token({ azp: 'client-x' })), 401, 'credentials-invalid');
    expectProblem(await call(token({ azp: '' })), 401, 'credentials-invalid');
    expectProblem(await call(token({ azp: 42 })), 401, 'credentials-invalid');
    expectProblem(await call(token({ azp: 'client-d' })), 403, 'not-subscribed');
    expect(upstream.seen).toEqual([]);
  });

  it("counts the application's quota across all of its clients, and only its own", async () => {
    keySet('/quota');
    apply('/quota', (b) => {
      for (const s of b.subscriptions) s.quota = QUOTA;
    });
    clock = Date.parse('2026-06-15T12:07:00Z'); // a minute window nobody else has used
    expect((await call(token())).status).toBe(200);
    expect((await call(token({ azp: 'client-a2' }))).status).toBe(200);
    const third = await call(token());
    expect(third.status).toBe(200);
    expect(third.headers.ratelimit).toMatch(/r=0/);

    const refused = await call(token({ azp: 'client-a2' }));
    expectProblem(refused, 429, 'quota-exceeded');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectProblem(await call(token()), 429, 'quota-exceeded');
    expect(upstream.seen).toHaveLength(3);

    // Another application's client has its own quota.
    expect((await call(token({ azp: 'client-c' }))).status).toBe(200);
    expect(upstream.seen).toHaveLength(4);

    // The next window admits team-b/app again.
    clock = Date.parse('2026-06-15T12:08:00Z');
    expect((await call(token())).status).toBe(200);
  });

  it("applies the product's scopes to the token's scope or scp", async () => {
    keySet('/scopes');
    apply('/scopes', (b) => (b.products[0]!.scopes = ['write', 'admin']));
    const short = await call(token({ scope: 'read' }));
    expectProblem(short, 403, 'insufficient-scope');
    expect(short.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    expectProblem(await call(token({ scope: undefined })), 403, 'insufficient-scope');
    expectProblem(await call(token({ scope: 'writer administrator' })), 403, 'insufficient-scope');
    expect(upstream.seen).toEqual([]);
    expect((await call(token({ scope: 'read write' }))).status).toBe(200);
    expect((await call(token({ scope: undefined, scp: ['admin'] }))).status).toBe(200);
    expect(upstream.seen).toHaveLength(2);
  });

  it('enforces the configured audiences, and none when the list is empty', async () => {
    keySet('/aud');
    apply('/aud');
    expectProblem(await call(token({ aud: 'api://other' })), 401, 'credentials-invalid');
    expectProblem(await call(token({ aud: undefined })), 401, 'credentials-invalid');
    expectProblem(await call(token({ aud: ['api://other', 'api://hello-extra'] })), 401, 'credentials-invalid');
    expect(upstream.seen).toEqual([]);
    expect((await call(token({ aud: 'api://hello-alt' }))).status).toBe(200);
    expect((await call(token({ aud: ['api://other', 'api://hello'] }))).status).toBe(200);

    // A reload that narrows the audiences applies at once (to the cached keys).
    apply('/aud', (b) => (b.apis[0]!.auth.issuers[0]!.audiences = ['api://hello-alt']));
    expectProblem(await call(token({ aud: 'api://hello' })), 401, 'credentials-invalid');
    expect((await call(token({ aud: 'api://hello-alt' }))).status).toBe(200);

    apply('/aud', (b) => (b.apis[0]!.auth.issuers[0]!.audiences = []));
    expect((await call(token({ aud: 'api://anything' }))).status).toBe(200);
    expect(upstream.seen).toHaveLength(4);
    expect(keySets.get('/aud')!.fetches).toBe(1);
  });

  it('fetches the key set once, and keeps it across requests, APIs and snapshot reloads', async () => {
    const set = keySet('/cache');
    apply('/cache');
    // Concurrent first requests share one fetch.
    const first = await Promise.all(Array.from({ length: 10 }, () => call(token())));
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(set.fetches).toBe(1);
    for (let i = 0; i < 5; i++) expect((await call(token())).status).toBe(200);
    for (const change of [
      (b: SnapshotBody) => (b.products[0]!.displayName = 'reloaded'),
      (b: SnapshotBody) => (b.apis[0]!.auth.issuers[0]!.audiences = ['api://hello']),
      // A second API naming the same key set.
      (b: SnapshotBody) => {
        b.apis.push(api({ name: 'two', context: '/two', upstreamUrl: upstream.url, auth: { required: true, oauth2: false, issuers: [issuer('/cache')] } }));
        b.routes.push({ host: '*', basePath: '/two/1.0.0', api: 'team-a/two' });
        b.products[0]!.operations.push({ api: 'team-a/two', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] });
      },
    ]) {
      apply('/cache', change);
      expect((await call(token())).status).toBe(200);
    }
    expect((await call(token(), '/two/1.0.0/y')).status).toBe(200);
    // Taken off every API, then back: still the same cached set.
    apply('/cache', (b) => (b.apis[0]!.auth.issuers = [{ ...issuer('/other'), issuer: ELSEWHERE }]));
    apply('/cache');
    expect((await call(token())).status).toBe(200);
    expect(upstream.seen).toHaveLength(10 + 5 + 3 + 1 + 1);
    expect(set.fetches).toBe(1);
  });

  it("refetches for an unknown kid at most once per 30 s cooldown (the gateway's default)", async () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // the key set's cache and cooldown run on Date.now
    const set = keySet('/rotate');
    apply('/rotate');
    expect((await call(token())).status).toBe(200);
    expect(set.fetches).toBe(1);

    // The issuer starts signing with a key it has just published: inside the cooldown the
    // gateway does not go back for it, however many unknown kids it sees.
    set.keys = [idp1.jwk, idp2.jwk];
    expectProblem(await call(token({}, idp2)), 401, 'credentials-invalid');
    for (let i = 0; i < 5; i++) expectProblem(await call(token({}, idp2, `forged-${i}`)), 401, 'credentials-invalid');
    vi.setSystemTime(Date.now() + 29_000);
    expectProblem(await call(token({}, idp2)), 401, 'credentials-invalid');
    expect(set.fetches).toBe(1);

    // After the cooldown, one refetch, shared by concurrent requests; the new key works.
    vi.setSystemTime(Date.now() + 2_000);
    const storm = await Promise.all([call(token({}, idp2)), ...Array.from({ length: 9 }, (_, i) => call(token({}, idp2, `storm-${i}`)))]);
    expect(storm.map((r) => r.status)).toEqual([200, ...Array(9).fill(401)]);
    expect(set.fetches).toBe(2);
    // The refetch restarted the cooldown.
    for (let i = 0; i < 5; i++) expectProblem(await call(token({}, idp2, `again-${i}`)), 401, 'credentials-invalid');
    expect((await call(token({}, idp2))).status).toBe(200);
    expect((await call(token({}, idp1))).status).toBe(200);
    expect(set.fetches).toBe(2);
    expect(upstream.seen).toHaveLength(4);
  });

  it('answers 503 while the key set server is down, and recovers when it comes up', async () => {
    // A port with nothing listening on it: connection refused.
    const probe = http.createServer(jwksHandler);
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const set = keySet('/late');
    const applied = gw.applySnapshot(snapshot('/late', (b) => (b.apis[0]!.auth.issuers[0]!.jwksUri = `http://127.0.0.1:${port}/late`)));
    expect(applied.ok).toBe(true);

    expectProblem(await call(token()), 503, 'issuer-unavailable');
    expectProblem(await call(token()), 503, 'issuer-unavailable');
    expect(upstream.seen).toEqual([]);

    const late = http.createServer(jwksHandler);
    late.listen(port, '127.0.0.1');
    await once(late, 'listening');
    try {
      expect((await call(token())).status).toBe(200);
      expect((await call(token())).status).toBe(200);
      expect(set.fetches).toBe(1);
    } finally {
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });

  it('answers 503 while the key set server answers errors, and recovers', async () => {
    const set = keySet('/flaky', [idp1.jwk], 503);
    apply('/flaky');
    expectProblem(await call(token()), 503, 'issuer-unavailable');
    expectProblem(await call(token()), 503, 'issuer-unavailable');
    expect(set.fetches).toBeGreaterThanOrEqual(1);
    expect(upstream.seen).toEqual([]);
    set.status = 200;
    expect((await call(token())).status).toBe(200);
    const fetched = set.fetches;
    expect((await call(token())).status).toBe(200);
    expect(set.fetches).toBe(fetched);
    expect(upstream.seen).toHaveLength(2);
  });
});

describe('RemoteKeySets and externalVerifier, with a configured cooldown', () => {
  const config = (path: string): JwtIssuer => issuer(path, { audiences: ['api://hello'] });
  const now = () => clock;

  it('refetches an unknown kid at most once per cooldown, concurrent lookups included', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const set = keySet('/direct');
    const verifier = externalVerifier(config('/direct'), new RemoteKeySets({ cooldownMs: 5_000 }));
    expect((await verifier.verify(await token(), now())).clientId).toBe('client-a');
    expect(set.fetches).toBe(1);

    set.keys = [idp1.jwk, idp2.jwk];
    const refused = await verifier.verify(await token({}, idp2), now()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).code).toBe('credentials-invalid');
    expect((refused as GatewayError).detail).toMatch(/ERR_JWKS_NO_MATCHING_KEY/);
    await Promise.allSettled(Array.from({ length: 20 }, async (_, i) => verifier.verify(await token({}, idp2, `k-${i}`), now())));
    expect(set.fetches).toBe(1);

    vi.setSystemTime(Date.now() + 5_001);
    const tokens = await Promise.all([token({}, idp2), ...Array.from({ length: 20 }, (_, i) => token({}, idp2, `k-${i}`))]);
    const results = await Promise.allSettled(tokens.map((t) => verifier.verify(t, now())));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(20).fill('rejected')]);
    expect(set.fetches).toBe(2);

    vi.setSystemTime(Date.now() + 4_000);
    await expect(verifier.verify(await token({}, idp2, 'k-late'), now())).rejects.toBeInstanceOf(GatewayError);
    expect(set.fetches).toBe(2);
    vi.setSystemTime(Date.now() + 1_001);
    await expect(verifier.verify(await token({}, idp2, 'k-later'), now())).rejects.toBeInstanceOf(GatewayError);
    expect(set.fetches).toBe(3);
  });

  it('shares one key set per URI between verifiers, so a new snapshot does not refetch', async () => {
    const set = keySet('/shared');
    const sets = new RemoteKeySets({ cooldownMs: 5_000 });
    expect(sets.get(`${jwksBase}/shared`)).toBe(sets.get(`${jwksBase}/shared`));
    await externalVerifier(config('/shared'), sets).verify(await token(), now());
    await externalVerifier({ ...config('/shared'), audiences: ['api://hello', 'api://x'] }, sets).verify(await token(), now());
    expect(set.fetches).toBe(1);
  });

  it('refetches once the cache age has passed, even for known kids', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const set = keySet('/age');
    const verifier = externalVerifier(config('/age'), new RemoteKeySets({ cooldownMs: 1_000, cacheMaxAgeMs: 60_000 }));
    await verifier.verify(await token(), now());
    vi.setSystemTime(Date.now() + 59_000);
    await verifier.verify(await token(), now());
    expect(set.fetches).toBe(1);
    // The issuer withdrew idp-1; after the cache age the gateway learns it.
    set.keys = [idp2.jwk];
    vi.setSystemTime(Date.now() + 2_000);
    await expect(verifier.verify(await token(), now())).rejects.toBeInstanceOf(GatewayError);
    expect(set.fetches).toBe(2);
    expect((await verifier.verify(await token({}, idp2), now())).issuer).toBe(IDP);
  });
});
