import type { Cluster, Redis } from 'ioredis';
import { decide, unavailable, unlimited, type Outcome } from './decision.ts';
import { gcraParams } from './gcra.ts';
import { limitKeys } from './keys.ts';
import { createRedisClient, parseRedisUrl } from './redis-connection.ts';
import { LIMIT_COMMAND, LIMIT_SCRIPT, type LimitCommands } from './redis-scripts.ts';
import { parseTimeZone, type TimeZone } from './time-zone.ts';
import type { LimitDecision, LimitRequest, LimitStore, StoreErrorHook } from './types.ts';
import { quotaWindow } from './windows.ts';

export interface RedisLimitStoreOptions {
  /** `redis://`, `rediss://`, or `redis+cluster://host:port,host:port`. */
  url: string;
  /** Zone whose calendar the quota windows follow; default `UTC`. */
  timeZone?: string;
  /** Prepended to every key (before the hash tag); default `tollgate:limits:`. */
  keyPrefix?: string;
  /** Longest a check waits for Redis before the failure mode applies; default 100 ms. */
  commandTimeoutMs?: number;
  /** Longest a (re)connection attempt may take; default 1000 ms. */
  connectTimeoutMs?: number;
  /**
   * Clock for spike arrest. `redis` (default): the script reads Redis `TIME`, so every
   * gateway replica measures the 100 ms gaps of "10 per second" on one clock and skew
   * between pods cannot admit extra requests. `caller`: the `now` passed to `check`,
   * for tests that control time. Quota windows always use `now`: calendar math needs the
   * time zone in JS, and a skew of milliseconds only matters at a window's edge.
   */
  spikeClock?: 'redis' | 'caller';
  /** A check that Redis could not answer (one per fail-open or fail-closed decision). */
  onStoreError?: StoreErrorHook;
  /** Connection-level errors the client reports while (re)connecting. */
  onConnectionError?: (error: Error) => void;
}

/** Kept after a window ends so that a gateway whose clock runs behind still finds the count. */
const QUOTA_GRACE_MS = 60_000;

/**
 * Limits shared by every gateway replica through Redis (single node or cluster). Each check
 * is one EVALSHA of `LIMIT_SCRIPT` with both keys in one hash slot.
 */
export class RedisLimitStore implements LimitStore {
  readonly client: Redis | Cluster;
  readonly #zone: TimeZone;
  readonly #prefix: string;
  readonly #redisClock: string;
  readonly #timeoutMs: number;
  readonly #onStoreError: StoreErrorHook | undefined;
  readonly #cluster: boolean;
  #closed = false;

  constructor(options: RedisLimitStoreOptions) {
    this.#zone = parseTimeZone(options.timeZone);
    this.#prefix = options.keyPrefix ?? 'tollgate:limits:';
    this.#redisClock = options.spikeClock === 'caller' ? '0' : '1';
    this.#timeoutMs = options.commandTimeoutMs ?? 100;
    this.#onStoreError = options.onStoreError;
    const target = parseRedisUrl(options.url);
    this.#cluster = target.kind === 'cluster';
    this.client = createRedisClient(target, {
      commandTimeoutMs: this.#timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? 1000,
    });
    // Without a listener ioredis prints every reconnect failure; the gateway decides.
    const onConnectionError = options.onConnectionError;
    this.client.on('error', (error: Error) => onConnectionError?.(error));
    this.client.defineCommand(LIMIT_COMMAND, { lua: LIMIT_SCRIPT, numberOfKeys: 2 });
  }

  /** Resolves true once connected, false if not within `timeoutMs` (checks still work then: they fail open or closed). */
  async ready(timeoutMs = 5000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  async check(request: LimitRequest, now: number): Promise<LimitDecision> {
    const { quota, rateLimit } = request;
    if (!quota && !rateLimit) return unlimited();
    const window = quota && quotaWindow(quota, now, this.#zone);
    const keys = limitKeys(this.#prefix, request, window);
    const gcra = rateLimit && gcraParams(rateLimit);
    const client = this.client as (Redis | Cluster) & LimitCommands;
    let reply;
    try {
      const pending = client.tollgateLimit(
        keys.quota,
        keys.spike,
        String(now),
        this.#redisClock,
        quota ? String(quota.limit) : '-1',
        String(window ? Math.ceil(window.end - now) + QUOTA_GRACE_MS : 1),
        gcra ? String(gcra.emissionMs) : '-1',
        gcra ? String(gcra.toleranceMs) : '0',
      );
      // ioredis enforces commandTimeout itself on every command it sends to a single
      // node (and fails at once while disconnected: no offline queue). A cluster can
      // also hold a command back for a slot refresh, which only this bounds.
      reply = await (this.#cluster ? withTimeout(pending, this.#timeoutMs + 50) : pending);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      try {
        this.#onStoreError?.(err, {
          application: request.application,
          product: request.product,
          ...(request.operation !== undefined ? { operation: request.operation } : {}),
          failureMode: request.failureMode,
        });
      } catch {
        // A failing metrics hook must not turn into a failed request.
      }
      return unavailable(request, window);
    }
    const [, quotaAllowed, spikeAllowed, used, spikeRemaining, retryAfterMs, resetMs] = reply;
    const outcome: Outcome = { now };
    if (quota && window) outcome.quota = { limit: quota.limit, used: Number(used), allowed: quotaAllowed === 1, window };
    if (rateLimit) {
      outcome.spike = {
        rate: rateLimit,
        result: {
          allowed: spikeAllowed === 1,
          remaining: Number(spikeRemaining),
          retryAfterMs: Number(retryAfterMs),
          resetMs: Number(resetMs),
        },
      };
    }
    return decide(outcome);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await withTimeout(this.client.quit(), 1000);
    } catch {
      this.client.disconnect();
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`limit store did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
