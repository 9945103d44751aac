import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { createLimitStore } from './create-limit-store.ts';
import { MemoryLimitStore } from './memory-store.ts';
import { RedisLimitStore } from './redis-store.ts';
import type { LimitRequest } from './types.ts';

describe('createLimitStore', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  const req: LimitRequest = {
    application: 'ns/factory',
    product: 'ns/p',
    failureMode: 'closed',
    quota: { limit: 1, interval: 1, timeUnit: 'day' },
  };

  it('keeps limits in memory without a Redis URL', async () => {
    const store = createLimitStore();
    expect(store).toBeInstanceOf(MemoryLimitStore);
    expect((await store.check(req, Date.now())).allowed).toBe(true);
    expect((await store.check(req, Date.now())).reason).toBe('quota');
    await store.close();
  });

  it('shares limits through Redis with a redis:// URL, honouring the key prefix and time zone', async () => {
    const options = { redisUrl: redis.url, keyPrefix: 'factory-test:', timeZone: '+10:00' };
    const a = createLimitStore(options);
    const b = createLimitStore(options);
    try {
      expect(a).toBeInstanceOf(RedisLimitStore);
      expect(await (a as RedisLimitStore).ready()).toBe(true);
      expect(await (b as RedisLimitStore).ready()).toBe(true);
      // 15:00 UTC is 01:00 the next day at +10:00: the window ends at 14:00 UTC tomorrow.
      const now = Date.parse('2026-03-15T15:00:00Z');
      expect((await a.check(req, now)).allowed).toBe(true);
      const refused = await b.check(req, now);
      expect(refused.reason).toBe('quota');
      expect(refused.headers['Retry-After']).toBe(String(23 * 3600));
      const keys = await (a as RedisLimitStore).client.keys('factory-test:*');
      expect(keys).toEqual([`factory-test:{ns/factory|ns/p}:q:product:day1:${Math.floor((now + 36_000_000) / 86_400_000)}`]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses what it cannot serve at start-up: unknown schemes and time zones', () => {
    expect(() => createLimitStore({ redisUrl: 'http://127.0.0.1:6379' })).toThrow(/unsupported Redis URL/);
    expect(() => createLimitStore({ timeZone: 'Atlantis/Capital' })).toThrow(RangeError);
  });
});
