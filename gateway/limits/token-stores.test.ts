import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { MemoryTokenStore } from './memory-token-store.ts';
import { RedisTokenStore } from './redis-token-store.ts';
import type { TokenCheck, TokenLimitStore } from './token-limits.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

function request(app: string): TokenCheck {
  return {
    application: `team-b/${app}`,
    product: 'team-a/llm',
    failureMode: 'closed',
    quotas: [
      { tokens: 'total', limit: 100, interval: 1, timeUnit: 'hour' },
      { tokens: 'completion', limit: 30, interval: 1, timeUnit: 'minute' },
    ],
  };
}

function contract(name: string, store: () => TokenLimitStore) {
  describe(`${name}: token quota contract`, () => {
    it('admits while tokens are left, counts each kind exactly, and refuses once a window is used up', async () => {
      const req = request(`${name}-a`);
      const s = store();
      expect(await s.check(req, T0)).toMatchObject({ allowed: true, used: [0, 0] });
      await s.record(req, { prompt: 40, completion: 20, total: 60 }, T0);
      const second = await s.check(req, T0 + 1000);
      expect(second).toMatchObject({ allowed: true, used: [60, 20] });
      expect(second.headers).toEqual({
        'RateLimit-Policy': '"tokens-total";q=100;w=3600, "tokens-completion";q=30;w=60',
        RateLimit: '"tokens-total";r=40;t=3599, "tokens-completion";r=10;t=59',
      });
      // The last admitted request may overshoot: its cost is only known afterwards.
      await s.record(req, { prompt: 5, completion: 15, total: 20 }, T0 + 1000);
      const third = await s.check(req, T0 + 2000);
      expect(third).toMatchObject({ allowed: false, reason: 'tokenQuota', used: [80, 35] });
      expect(third.headers['Retry-After']).toBe('58');
      // A new minute: the completion window is fresh, the hour still has 20 left.
      expect(await s.check(req, T0 + 60_000)).toMatchObject({ allowed: true, used: [80, 0] });
      await s.record(req, { prompt: 20, completion: 0, total: 20 }, T0 + 60_000);
      expect(await s.check(req, T0 + 61_000)).toMatchObject({ allowed: false, used: [100, 0] });
      expect(await s.check(req, T0 + HOUR)).toMatchObject({ allowed: true, used: [0, 0] });
    });

    it('keeps applications apart', async () => {
      const s = store();
      await s.record(request(`${name}-b`), { prompt: 0, completion: 50, total: 50 }, T0);
      expect(await s.check(request(`${name}-c`), T0)).toMatchObject({ allowed: true, used: [0, 0] });
      expect(await s.check(request(`${name}-b`), T0)).toMatchObject({ allowed: false, used: [50, 50] });
    });

    it('adds concurrent records exactly', async () => {
      const s = store();
      const req = request(`${name}-d`);
      await Promise.all(Array.from({ length: 50 }, async () => s.record(req, { prompt: 1, completion: 0, total: 1 }, T0)));
      expect(await s.check(req, T0)).toMatchObject({ used: [50, 0] });
    });
  });
}

contract('memory', () => memory);
const memory = new MemoryTokenStore();

describe('RedisTokenStore', () => {
  let redis: RedisServer;
  let client: Redis;
  let store: RedisTokenStore;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
    store = new RedisTokenStore(client);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });
  contract('redis', () => store);

  it('keys counters under the request quotas hash tag and expires them a minute after their window', async () => {
    const req = request('redis-keys');
    await store.record(req, { prompt: 1, completion: 2, total: 3 }, T0);
    const keys = (await client.keys('tollgate:limits:*redis-keys*')).sort();
    expect(keys).toEqual([
      `tollgate:limits:{team-b/redis-keys|team-a/llm}:t:completion:minute1:${Math.floor(T0 / 60_000)}`,
      `tollgate:limits:{team-b/redis-keys|team-a/llm}:t:total:hour1:${Math.floor(T0 / HOUR)}`,
    ]);
    expect(await client.get(keys[1]!)).toBe('3');
    // Windows are of the injected time (T0 is in the past), so the TTL is the grace alone.
    expect(await client.pttl(keys[0]!)).toBeLessThanOrEqual(60_000 + 60_000);
  });

  it('follows the failure mode when Redis does not answer', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => {});
    const down = new RedisTokenStore(unreachable);
    expect(await down.check(request('down'), T0)).toEqual({ allowed: false, reason: 'storeUnavailable', headers: { 'Retry-After': '1' } });
    expect(await down.check({ ...request('down'), failureMode: 'open' }, T0)).toEqual({ allowed: true, reason: 'storeUnavailable', headers: {} });
  });
});
