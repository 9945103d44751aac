import type { Cluster, Redis } from 'ioredis';
import { decide, unavailable, unlimited, type Outcome } from './decision.ts';
import { gcraParams } from './gcra.ts';
import { limitKeys } from './keys.ts';
import { createRedisClient, parseRedisUrl } from './redis-connection.ts';
import { LIMIT_BATCH_COMMAND, LIMIT_BATCH_SCRIPT, LIMIT_COMMAND, LIMIT_SCRIPT, type LimitCommands, type LimitScriptReply } from './redis-scripts.ts';
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
/** Checks in one script call at most. */
const MAX_BATCH = 128;

/** One check's keys and arguments, in LIMIT_SCRIPT's order. */
type CheckArgs = [string, string, string, string, string, string, string, string];
interface PendingCheck {
  args: CheckArgs;
  resolve(reply: LimitScriptReply): void;
  reject(error: unknown): void;
  /** performance.now() when the check was queued. */
  since: number;
}

/**
 * Limits shared by every gateway replica through Redis (single node or cluster). Each check
 * is one run of `LIMIT_SCRIPT` with both keys in one hash slot: in a cluster one EVALSHA
 * per check, on a single node several checks in one EVALSHA of `LIMIT_BATCH_SCRIPT`.
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
  #queue: PendingCheck[] = [];
  #inFlight = false;
  #flushScheduled = false;

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
    this.client.defineCommand(LIMIT_BATCH_COMMAND, { lua: LIMIT_BATCH_SCRIPT });
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
    const args: CheckArgs = [
      keys.quota,
      keys.spike,
      String(now),
      this.#redisClock,
      quota ? String(quota.limit) : '-1',
      String(window ? Math.ceil(window.end - now) + QUOTA_GRACE_MS : 1),
      gcra ? String(gcra.emissionMs) : '-1',
      gcra ? String(gcra.toleranceMs) : '0',
    ];
    let reply: LimitScriptReply;
    try {
      if (this.#cluster) {
        // A cluster can hold a command back for a slot refresh, which ioredis's
        // commandTimeout does not bound: this does.
        reply = await withTimeout((this.client as Cluster & LimitCommands).tollgateLimit(...args), this.#timeoutMs + 50);
      } else {
        reply = await new Promise<LimitScriptReply>((resolve, reject) => this.#enqueue({ args, resolve, reject, since: performance.now() }));
      }
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

  /**
   * Single node: checks go to Redis in batches, one script call per batch, and one
   * batch at a time; checks that arrive meanwhile wait for the next. Under load that is
   * one command, one write and one reply for dozens of requests, on both sides (ioredis's
   * autopipelining does the same with a command per check). No check waits longer than
   * the command timeout in all: a batch gets what is left of its oldest check's time,
   * and a check whose time ran out while it waited fails without being sent.
   */
  #enqueue(pending: PendingCheck): void {
    this.#queue.push(pending);
    if (!this.#inFlight && !this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#inFlight) return;
    const now = performance.now();
    while (this.#queue.length > 0 && now - this.#queue[0]!.since >= this.#timeoutMs) {
      this.#queue.shift()!.reject(new Error(`limit store did not answer within ${this.#timeoutMs} ms`));
    }
    if (this.#queue.length === 0) return;
    const batch = this.#queue.length <= MAX_BATCH ? this.#queue : this.#queue.slice(0, MAX_BATCH);
    this.#queue = this.#queue.length <= MAX_BATCH ? [] : this.#queue.slice(MAX_BATCH);
    const left = this.#timeoutMs - (now - batch[0]!.since);
    const client = this.client as Redis & LimitCommands;
    let sent: Promise<LimitScriptReply[]>;
    try {
      if (batch.length === 1) {
        sent = client.tollgateLimit(...batch[0]!.args).then((reply) => [reply]);
      } else {
        const keysThenArgs: string[] = [];
        for (const { args } of batch) keysThenArgs.push(args[0], args[1]);
        for (const { args } of batch) for (let i = 2; i < 8; i++) keysThenArgs.push(args[i]!);
        sent = client.tollgateLimitBatch(2 * batch.length, ...keysThenArgs);
      }
    } catch (error) {
      sent = Promise.reject(error);
    }
    this.#inFlight = true;
    // ioredis's commandTimeout bounds a batch sent at once; one that waited gets less.
    (left < this.#timeoutMs - 1 ? withTimeout(sent, Math.max(1, left)) : sent).then(
      (replies) => {
        for (let i = 0; i < batch.length; i++) {
          const reply = replies[i];
          if (Array.isArray(reply)) batch[i]!.resolve(reply);
          else batch[i]!.reject(new Error('limit store gave no answer for this check'));
        }
        this.#batchDone();
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
        this.#batchDone();
      },
    );
  };

  #batchDone(): void {
    this.#inFlight = false;
    if (this.#queue.length > 0) this.#flush();
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
