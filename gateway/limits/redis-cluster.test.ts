import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../test/redis/redis-cluster.ts';
import { createLimitStore } from './create-limit-store.ts';
import { limitStoreContract } from '../../test/gateway/limit-store-contract.ts';
import { RedisLimitStore } from './redis-store.ts';
import type { LimitRequest } from './types.ts';

describe('RedisLimitStore on a Redis Cluster (redis+cluster://)', () => {
  let cluster: RedisCluster;
  let store: RedisLimitStore;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    const created = createLimitStore({ redisUrl: cluster.url, spikeClock: 'caller' });
    expect(created).toBeInstanceOf(RedisLimitStore);
    store = created as RedisLimitStore;
    expect(await store.ready(10_000)).toBe(true);
  });
  afterAll(async () => {
    await store?.close();
    await cluster?.close();
  });

  describe('contract (injected time)', () => {
    limitStoreContract(() => store);
  });

  it('runs the two-key script for applications spread over every node (no CROSSSLOT)', async () => {
    const now = Date.parse('2026-03-15T10:00:00Z');
    for (let i = 0; i < 40; i++) {
      const req: LimitRequest = {
        application: `ns/spread-${i}`,
        product: 'ns/gold',
        failureMode: 'closed',
        quota: { limit: 2, interval: 1, timeUnit: 'day' },
        rateLimit: { requests: 100, per: 'second', burst: 10 },
      };
      const reasons = [];
      for (let j = 0; j < 3; j++) reasons.push((await store.check(req, now)).reason ?? 'ok');
      expect(reasons).toEqual(['ok', 'ok', 'quota']);
    }
    // Both keys of each application exist, on whichever node owns its slot, and every node holds some.
    for (const node of cluster.nodes) {
      const raw = new Redis(node.port, '127.0.0.1');
      try {
        const keys = await raw.keys('tollgate:limits:{ns/spread-*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.length % 2).toBe(0);
      } finally {
        raw.disconnect();
      }
    }
  });
});
