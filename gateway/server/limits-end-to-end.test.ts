import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { createLimitStore } from '../limits/create-limit-store.ts';
import type { LimitStore } from '../limits/types.ts';
import type { Gateway } from './create-gateway.ts';
import type { Snapshot } from '../snapshot/types.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// Quota and spike arrest through the gateway with the real stores: which limit
// applies (operation's or subscription's), what the client sees, and Redis going away.
const NOW = Date.parse('2026-06-15T12:00:00Z');
let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream((_req, res) => res.end('ok'));
});
afterAll(() => upstream.close());

function limited(failureMode: 'open' | 'closed' = 'open'): Snapshot {
  return basicSnapshot(upstream.url, (b) => {
    b.products[0]!.quotaFailureMode = failureMode;
    b.products[0]!.operations = [
      {
        api: 'team-a/hello',
        paths: [{ pattern: '/metered', segments: ['metered'], rest: 'none' }],
        methods: [],
        quota: { limit: 2, interval: 1, timeUnit: 'month' },
      },
      { api: 'team-a/hello', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] },
    ];
    b.subscriptions[0]!.quota = { limit: 3, interval: 1, timeUnit: 'day' };
  });
}

/** The Redis store connects in the background; checks before that fail open or closed, by design. */
async function whenConnected(store: LimitStore): Promise<void> {
  const withReady = store as LimitStore & { ready?: (timeoutMs?: number) => Promise<boolean> };
  if (withReady.ready && !(await withReady.ready(5_000))) throw new Error('the Redis limit store did not connect');
}

const call = (gw: Gateway, path: string) => send(gw.proxyPort, path, { headers: { 'x-api-key': TEST_KEY } });

describe.each(['memory', 'redis'] as const)('limits through the gateway (%s store)', (kind) => {
  let redis: RedisServer | undefined;
  let store: LimitStore;
  let gw: Gateway;

  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedisServer();
    store = createLimitStore(redis ? { redisUrl: redis.url } : {});
    await whenConnected(store);
    gw = await startGateway(undefined, { limitStore: store, clock: () => NOW });
  });
  afterAll(async () => {
    await gw.close();
    await store.close();
    await redis?.close();
  });
  beforeEach(() => {
    upstream.seen.length = 0;
  });

  it('counts the subscription quota and the operation quota apart, and answers 429 with headers', async () => {
    expect(gw.applySnapshot(limited()).ok).toBe(true);
    const metered = [];
    for (let i = 0; i < 3; i++) metered.push(await call(gw, '/hello/1.0.0/metered'));
    expect(metered.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(metered[2]!.json().code).toBe('quota-exceeded');
    expect(metered[2]!.headers['retry-after']).toMatch(/^\d+$/);
    expect(metered[0]!.headers['ratelimit-policy']).toBeDefined();
    expect(metered[0]!.headers['ratelimit']).toBeDefined();

    const general = [];
    for (let i = 0; i < 4; i++) general.push((await call(gw, '/hello/1.0.0/other')).status);
    expect(general).toEqual([200, 200, 200, 429]);
    expect(upstream.seen).toHaveLength(5);
    const rejections = await gw.metrics.registry.getSingleMetricAsString('tollgate_limit_rejections_total');
    expect(rejections).toContain('reason="quota"} 2');
  });
});

describe('limits when Redis goes away', () => {
  let redis: RedisServer;
  let store: LimitStore;
  let gw: Gateway;
  beforeAll(async () => {
    redis = await startRedisServer();
    store = createLimitStore({ redisUrl: redis.url });
    await whenConnected(store);
    gw = await startGateway(undefined, { limitStore: store, clock: () => NOW });
  });
  afterAll(async () => {
    await gw.close();
    await store.close();
    await redis.close();
  });

  it('fails open or closed as each product says', async () => {
    expect(gw.applySnapshot(limited('closed')).ok).toBe(true);
    expect((await call(gw, '/hello/1.0.0/another')).status).toBe(200);
    await redis.stop();
    const closed = await call(gw, '/hello/1.0.0/another');
    expect(closed.status).toBe(503);
    expect(closed.json().code).toBe('limits-unavailable');

    expect(gw.applySnapshot(limited('open')).ok).toBe(true);
    const open = await call(gw, '/hello/1.0.0/another');
    expect(open.status).toBe(200);
    const failures = await gw.metrics.registry.getSingleMetricAsString('tollgate_limit_store_failures_total');
    expect(failures).toContain('mode="closed"} 1');
    expect(failures).toContain('mode="open"} 1');
  });
});
