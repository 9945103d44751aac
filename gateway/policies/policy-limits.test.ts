// Application-wide quotas, API-wide limits and conditional limits through a real
// gateway, on both limit stores (memory and a real Redis), with the RateLimit headers
// naming the limit that applied; and IP allow/deny lists on APIs and applications.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { createLimitStore } from '../limits/create-limit-store.ts';
import type { LimitStore } from '../limits/types.ts';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, application, keyHash, send, startGateway, startUpstream, subscription, type Upstream } from '../../test/gateway/fixtures.ts';
import { twoProducts } from '../../test/gateway/two-products.ts';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const OTHER_KEY = 'second-app-key-0123456789';
let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream((_req, res) => res.end('ok'));
});
afterAll(() => upstream.close());

const get = (gw: Gateway, path: string, key = TEST_KEY, headers: Record<string, string> = {}) =>
  send(gw.proxyPort, path, { headers: { 'x-api-key': key, ...headers } });

describe.each(['memory', 'redis'] as const)('policy limits through the gateway (%s store)', (kind) => {
  let redis: RedisServer | undefined;
  let store: LimitStore;
  let gw: Gateway;
  let run = 0;
  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedisServer();
    store = createLimitStore(redis ? { redisUrl: redis.url } : {});
    const withReady = store as LimitStore & { ready?: (ms?: number) => Promise<boolean> };
    if (withReady.ready && !(await withReady.ready(5_000))) throw new Error('Redis did not connect');
    gw = await startGateway(undefined, { limitStore: store, clock: () => NOW + run * 86_400_000 });
  });
  afterAll(async () => {
    await gw.close();
    await store.close();
    await redis?.close();
  });
  // Each test counts in a fresh day, so that no count carries over.
  beforeEach(() => {
    run++;
    upstream.seen.length = 0;
  });

  it('counts an application quota across both of its products, and names it in the headers', async () => {
    expect(gw.applySnapshot(twoProducts(upstream.url, (b) => (b.applications[0]!.quota = { limit: 3, interval: 1, timeUnit: 'day' }))).ok).toBe(true);
    const answers = [];
    for (const path of ['/hello/1.0.0/a', '/world/1.0.0/a', '/hello/1.0.0/b', '/world/1.0.0/b']) answers.push(await get(gw, path));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.json().code).toBe('quota-exceeded');
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"application-quota";q=3;w=86400');
    expect(answers[2]!.headers['ratelimit']).toMatch(/^"application-quota";r=0;t=\d+$/);
    expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(upstream.seen).toHaveLength(3);
  });

  it('keeps the subscription quota and the application quota apart in one header list', async () => {
    const snapshot = twoProducts(upstream.url, (b) => {
      b.applications[0]!.quota = { limit: 10, interval: 1, timeUnit: 'day' };
      b.subscriptions[0]!.quota = { limit: 1, interval: 1, timeUnit: 'day' };
    });
    expect(gw.applySnapshot(snapshot).ok).toBe(true);
    const first = await get(gw, '/hello/1.0.0/a');
    expect(first.headers['ratelimit-policy']).toBe('"quota";q=1;w=86400, "application-quota";q=10;w=86400');
    const second = await get(gw, '/hello/1.0.0/a');
    expect(second.status).toBe(429);
    // The subscription refused it: the application quota did not count it.
    expect((await get(gw, '/world/1.0.0/a')).headers['ratelimit']).toMatch(/"application-quota";r=8;/);
  });

  it('limits an API across all its consumers (backend protection)', async () => {
    const snapshot = twoProducts(upstream.url, (b) => {
      b.apis[0]!.policies = { limits: [{ name: 'backend', quota: { limit: 2, interval: 1, timeUnit: 'day' } }] };
      b.applications.push(
        application(OTHER_KEY, { id: 'team-b/second', name: 'second', credentials: [{ name: 'main', keyHash: keyHash(OTHER_KEY), revoked: false }] }),
      );
      b.subscriptions.push(subscription({ id: 'team-b/second-gold', application: 'team-b/second' }));
    });
    expect(gw.applySnapshot(snapshot).ok).toBe(true);
    const statuses = [];
    for (const key of [TEST_KEY, OTHER_KEY, OTHER_KEY]) statuses.push((await get(gw, '/hello/1.0.0/a', key)).status);
    expect(statuses).toEqual([200, 200, 429]);
    // The other API is not limited.
    expect((await get(gw, '/world/1.0.0/a')).status).toBe(200);
  });

  it('counts a conditional limit per header value and per client IP, and leaves requests without the value alone', async () => {
    const snapshot = twoProducts(upstream.url, (b) => {
      b.apis[0]!.policies = {
        limits: [
          { name: 'per-tenant', key: { kind: 'header', name: 'x-tenant' }, quota: { limit: 1, interval: 1, timeUnit: 'day' } },
          { name: 'per-ip', key: { kind: 'clientIp' }, quota: { limit: 3, interval: 1, timeUnit: 'day' } },
        ],
      };
    });
    expect(gw.applySnapshot(snapshot).ok).toBe(true);
    const acme = await get(gw, '/hello/1.0.0/a', TEST_KEY, { 'x-tenant': 'acme' });
    expect(acme.headers['ratelimit-policy']).toBe('"per-tenant-quota";q=1;w=86400, "per-ip-quota";q=3;w=86400');
    const acmeAgain = await get(gw, '/hello/1.0.0/a', TEST_KEY, { 'x-tenant': 'acme' });
    expect([acme.status, acmeAgain.status]).toEqual([200, 429]);
    expect(acmeAgain.json().detail).toContain('per-tenant');
    expect((await get(gw, '/hello/1.0.0/a', TEST_KEY, { 'x-tenant': 'globex' })).status).toBe(200);
    const untagged = await get(gw, '/hello/1.0.0/a');
    expect(untagged.status).toBe(200);
    expect(untagged.headers['ratelimit-policy']).toBe('"per-ip-quota";q=3;w=86400');
    // Limits are checked in the order declared: the request per-tenant refused was not counted per IP, so 127.0.0.1 has used 3.
    const last = await get(gw, '/hello/1.0.0/a');
    expect(last.status).toBe(429);
    expect(last.json().detail).toContain('per-ip');
  });

  it('applies a spike arrest limit across consumers', async () => {
    expect(
      gw.applySnapshot(
        twoProducts(upstream.url, (b) => (b.apis[0]!.policies = { limits: [{ name: 'burst', rateLimit: { requests: 1, per: 'minute', burst: 1 } }] })),
      ).ok,
    ).toBe(true);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(gw, '/hello/1.0.0/a')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('IP allow and deny lists', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway(undefined, { trustedProxies: ['127.0.0.1/32'] });
  });
  afterAll(() => gw.close());

  const cases: Array<{ name: string; api?: { allow: string[]; deny: string[] }; app?: { allow: string[]; deny: string[] }; xff?: string; status: number }> = [
    { name: 'API allow list holds the peer', api: { allow: ['127.0.0.0/8'], deny: [] }, status: 200 },
    { name: 'API allow list without the peer', api: { allow: ['10.0.0.0/8', '2001:db8::/32'], deny: [] }, status: 403 },
    { name: 'deny wins over allow', api: { allow: ['127.0.0.0/8'], deny: ['127.0.0.1'] }, status: 403 },
    { name: 'a trusted proxy: the client is the X-Forwarded-For address', api: { allow: ['203.0.113.0/24'], deny: [] }, xff: '203.0.113.7', status: 200 },
    {
      name: 'the rightmost untrusted hop is the client, not what it claims before',
      api: { allow: ['203.0.113.0/24'], deny: [] },
      xff: '203.0.113.7, 198.51.100.9',
      status: 403,
    },
    { name: 'IPv6 client through the proxy', api: { allow: ['2001:db8::/32'], deny: [] }, xff: '2001:db8::1', status: 200 },
    { name: 'application deny list', app: { allow: [], deny: ['198.51.100.0/24'] }, xff: '198.51.100.9', status: 403 },
    { name: 'application allow list', app: { allow: ['198.51.100.0/24'], deny: [] }, xff: '198.51.100.9', status: 200 },
  ];
  it.each(cases)('$name: $status', async (c) => {
    const snapshot = twoProducts(upstream.url, (b) => {
      if (c.api) b.apis[0]!.policies = { ipAccess: c.api };
      if (c.app) b.applications[0]!.ipAccess = c.app;
    });
    expect(gw.applySnapshot(snapshot).ok).toBe(true);
    const res = await get(gw, '/hello/1.0.0/a', TEST_KEY, c.xff ? { 'x-forwarded-for': c.xff } : {});
    expect(res.status).toBe(c.status);
    if (c.status === 403) expect(res.json().code).toBe('ip-not-allowed');
  });

  it('refuses a snapshot with a bad CIDR and keeps the last good one', () => {
    const result = gw.applySnapshot(twoProducts(upstream.url, (b) => (b.apis[0]!.policies = { ipAccess: { allow: ['10.0.0.0/33'], deny: [] } })));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join()).toContain('10.0.0.0/33');
  });
});
