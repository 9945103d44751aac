import { MemoryLimitStore } from './memory-store.ts';
import { RedisLimitStore } from './redis-store.ts';
import { MemoryTokenStore } from './memory-token-store.ts';
import { RedisTokenStore } from './redis-token-store.ts';
import type { TokenLimitStore } from './token-limits.ts';
import type { LimitStore, StoreErrorHook, StoreIncidentHooks } from './types.ts';

export interface CreateLimitStoreOptions extends StoreIncidentHooks {
  /** Shared store for several replicas: `redis://`, `rediss://` or `redis+cluster://h:p,h:p`. Absent: in memory. */
  redisUrl?: string;
  /** Zone whose calendar quota windows follow (`UTC`, `+05:30`, `Europe/Berlin`); default `UTC`. */
  timeZone?: string;
  /** Redis key prefix; default `tollgate:limits:`. */
  keyPrefix?: string;
  /** How long Redis may take to answer a check before the product's failure mode applies; default 100 ms (see RedisLimitStoreOptions). */
  commandTimeoutMs?: number;
  /** Extra timeouts a batch may wait for a late answer while Redis is otherwise healthy; default 2 (see StoreHealth). */
  graceTimeouts?: number;
  /** Spike-arrest clock for Redis: `redis` (default, one clock for all replicas) or `caller`. */
  spikeClock?: 'redis' | 'caller';
  /** One call per check Redis could not answer; count errors and fail-opens from it. */
  onStoreError?: StoreErrorHook;
  /** Redis connection errors while (re)connecting, e.g. for a log line. */
  onConnectionError?: (error: Error) => void;
}

/** Redis when a URL is given, else one process's memory (`tollgate dev`, single replica). */
export function createLimitStore(options: CreateLimitStoreOptions = {}): LimitStore {
  if (options.redisUrl) return new RedisLimitStore({ ...options, url: options.redisUrl });
  return new MemoryLimitStore({ timeZone: options.timeZone });
}

/** Token quotas on the same footing as the request quotas: the same Redis (connection, prefix, calendar), or memory. */
export function tokenStoreBeside(limits: LimitStore): TokenLimitStore {
  if (limits instanceof RedisLimitStore) return new RedisTokenStore(limits.client, { timeZone: limits.timeZone, keyPrefix: limits.keyPrefix });
  return new MemoryTokenStore({ timeZone: limits instanceof MemoryLimitStore ? limits.timeZone : undefined });
}
