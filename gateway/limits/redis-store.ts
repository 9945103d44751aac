import { Redis, type Cluster } from 'ioredis';
import { decide, unavailable, unlimited, type Outcome } from './decision.ts';
import { gcraParams } from './gcra.ts';
import { limitKeys } from './keys.ts';
import { createRedisClient, parseRedisUrl } from './redis-connection.ts';
import {
  LIMIT_BATCH_COMMAND,
  LIMIT_BATCH_SCRIPT,
  LIMIT_COMMAND,
  LIMIT_SCRIPT,
  parseBatchReply,
  type LimitCommands,
  type LimitScriptReply,
} from './redis-scripts.ts';
import { StoreTimeoutError } from './reply-deadline.ts';
import { StoreHealth } from './store-health.ts';
import { StoreIncidents } from './store-incidents.ts';
import { parseTimeZone, type TimeZone } from './time-zone.ts';
import type { LimitDecision, LimitRequest, LimitStore, QuotaUsage, QuotaUsageRequest, StoreErrorHook, StoreIncidentHooks } from './types.ts';
import { quotaWindow, type QuotaWindow } from './windows.ts';

/** How long Redis may take to answer a check unless configured (`--limit-timeout`). */
export const DEFAULT_LIMIT_TIMEOUT_MS = 100;

export interface RedisLimitStoreOptions extends StoreIncidentHooks {
  /** `redis://`, `rediss://`, or `redis+cluster://host:port,host:port`. */
  url: string;
  /** Zone whose calendar the quota windows follow; default `UTC`. */
  timeZone?: string;
  /** Prepended to every key (before the hash tag); default `tollgate:limits:`. */
  keyPrefix?: string;
  /**
   * How long Redis may take to answer a batch of checks, from sending it until the gateway
   * next reads its socket; default 100 ms. A batch that misses it while the store is
   * healthy waits `graceTimeouts` more before the failure mode applies (see StoreHealth).
   */
  commandTimeoutMs?: number;
  /**
   * Extra timeouts a batch may wait for a slow answer when Redis answered the batch before
   * and the connection is ready; default 2. A check waits at most
   * `commandTimeoutMs * (1 + graceTimeouts)` for its batch, and as long again for the
   * batch queued ahead of it.
   */
  graceTimeouts?: number;
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
  request: LimitRequest;
  window: QuotaWindow | undefined;
  now: number;
  done(decision: LimitDecision): void;
}
/** Checks that go to Redis together, one round of batches at a time: all of them on a single node, one hash tag's in a cluster. */
interface Lane {
  queue: PendingCheck[];
  /** Batches sent and not yet answered or given up on. */
  inFlight: number;
  scheduled: boolean;
}

/**
 * Limits shared by every gateway replica through Redis (single node or cluster). Each check
 * is one run of `LIMIT_SCRIPT` with both keys in one hash slot; checks waiting meanwhile go
 * as one EVALSHA of `LIMIT_BATCH_SCRIPT` (on a single node any checks, in a cluster those
 * of one hash tag, so that the batch stays in one slot).
 */
export class RedisLimitStore implements LimitStore {
  readonly client: Redis | Cluster;
  readonly #zone: TimeZone;
  /** As configured, for the token quotas that share this store's calendar. */
  readonly timeZone: string | undefined;
  readonly #prefix: string;
  readonly keyPrefix: string;
  readonly #redisClock: string;
  readonly #health: StoreHealth;
  readonly #onStoreError: StoreErrorHook | undefined;
  readonly #cluster: boolean;
  readonly #incidents: StoreIncidents;
  #closed = false;
  readonly #lanes = new Map<string, Lane>();

  constructor(options: RedisLimitStoreOptions) {
    this.#zone = parseTimeZone(options.timeZone);
    this.timeZone = options.timeZone;
    this.#prefix = options.keyPrefix ?? 'tollgate:limits:';
    this.keyPrefix = this.#prefix;
    this.#redisClock = options.spikeClock === 'caller' ? '0' : '1';
    this.#onStoreError = options.onStoreError;
    this.#incidents = new StoreIncidents(options);
    const target = parseRedisUrl(options.url);
    this.#cluster = target.kind === 'cluster';
    this.client = createRedisClient(target, { connectTimeoutMs: options.connectTimeoutMs ?? 1000 });
    this.#health = new StoreHealth({
      timeoutMs: options.commandTimeoutMs ?? DEFAULT_LIMIT_TIMEOUT_MS,
      ...(options.graceTimeouts !== undefined ? { graceTimeouts: options.graceTimeouts } : {}),
      connectionReady: () => this.client.status === 'ready',
    });
    // Without a listener ioredis prints every reconnect failure; the gateway decides.
    const onConnectionError = options.onConnectionError;
    this.client.on('error', (error: Error) => onConnectionError?.(error));
    this.client.defineCommand(LIMIT_COMMAND, { lua: LIMIT_SCRIPT, numberOfKeys: 2 });
    this.client.defineCommand(LIMIT_BATCH_COMMAND, { lua: LIMIT_BATCH_SCRIPT });
    // Connected and with the scripts loaded before a check needs them: a handshake or a
    // NOSCRIPT-then-EVAL costs round trips that a busy gateway would be slow to make,
    // and they would count against the check's deadline.
    if (this.client instanceof Redis) prepareConnection(this.client);
    else {
      this.client.on('+node', (node: Redis) => {
        prepareConnection(node);
        node.connect().catch(() => {
          // The cluster reports node errors itself; a check on this node then fails by its policy.
        });
      });
    }
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

  /** One GET of the window's counter: what the portal shows, counting nothing. A store that cannot answer is an error. */
  async usage(request: QuotaUsageRequest, now: number): Promise<QuotaUsage> {
    const window = quotaWindow(request.quota, now, this.#zone);
    const key = limitKeys(this.#prefix, { ...request, failureMode: 'open' }, window).quota;
    const value = await this.client.get(key);
    return { used: Number(value ?? 0) || 0, limit: request.quota.limit, windowStart: window.start, windowEnd: window.end };
  }

  check(request: LimitRequest, now: number): Promise<LimitDecision> {
    return new Promise((resolve) => this.checkThen(request, now, resolve));
  }

  /**
   * The decision, handed to `done` once Redis has answered (or failed to): no promise of
   * its own per check, the caller makes the one its request needs. Throws only before
   * anything is sent (then `done` is never called).
   */
  checkThen(request: LimitRequest, now: number, done: (decision: LimitDecision) => void): void {
    const { quota, rateLimit } = request;
    if (!quota && !rateLimit) return done(unlimited());
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
    this.#enqueue(this.#cluster ? keys.spike : '', { args, request, window, now, done });
  }

  /** Redis answered this check. */
  #answered(pending: PendingCheck, reply: LimitScriptReply): void {
    this.#incidents.answered();
    const { request, window, now } = pending;
    const { quota, rateLimit } = request;
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
    settle(pending, decide(outcome));
  }

  /** Redis did not answer this check: counted, reported, and the product's failure mode decides. */
  #failed(pending: PendingCheck, error: unknown): void {
    const { request, window } = pending;
    const err = error instanceof Error ? error : new Error(String(error));
    const context = {
      application: request.application,
      product: request.product,
      ...(request.operation !== undefined ? { operation: request.operation } : {}),
      failureMode: request.failureMode,
    };
    try {
      this.#onStoreError?.(err, context);
    } catch {
      // A failing metrics hook must not turn into a failed request.
    }
    this.#incidents.failed(err, context);
    settle(pending, unavailable(request, window));
  }

  /**
   * Checks go to Redis in batches, one script call per batch and one round of batches per
   * lane at a time; checks that arrive meanwhile wait for the next. A round leaves after the
   * event loop's I/O callbacks (`setImmediate`), not after the first request's (`nextTick`):
   * every request read in that turn of the loop rides in it. Under load that is one
   * command, one write and one reply for dozens of requests, on both sides. A queued check
   * has no clock of its own: it waits on the round ahead, which Redis either answers (then
   * it is sent, with the full timeout) or leaves unanswered (then it fails with it).
   * So time the gateway spends busy elsewhere never counts against Redis, and StoreHealth
   * decides when an unanswered batch is given up on.
   */
  #enqueue(key: string, pending: PendingCheck): void {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { queue: [], inFlight: 0, scheduled: false }));
    lane.queue.push(pending);
    if (lane.inFlight === 0) this.#schedule(key, lane);
  }

  #schedule(key: string, lane: Lane): void {
    if (lane.scheduled) return;
    lane.scheduled = true;
    setImmediate(() => this.#flush(key, lane));
  }

  #flush(key: string, lane: Lane): void {
    lane.scheduled = false;
    if (lane.inFlight > 0) return;
    if (lane.queue.length === 0) {
      this.#lanes.delete(key);
      return;
    }
    // All that is queued goes now, MAX_BATCH to a script call, on one connection that Redis
    // serves in order: a check waits behind one round of batches at most, however many queued.
    const round: PendingCheck[][] = [];
    while (lane.queue.length > 0) round.push(lane.queue.splice(0, MAX_BATCH));
    lane.inFlight = round.length;
    const settled = () => {
      if (--lane.inFlight === 0) this.#schedule(key, lane);
    };
    for (const batch of round) {
      this.#health.judge(this.#send(batch)).then(
        (replies) => {
          for (let i = 0; i < batch.length; i++) {
            const reply = replies[i];
            if (Array.isArray(reply)) this.#answered(batch[i]!, reply);
            else this.#failed(batch[i]!, new Error('limit store gave no answer for this check'));
          }
          settled();
        },
        (error: unknown) => {
          for (const pending of batch) this.#failed(pending, error);
          // Redis has been judged down: the checks queued behind would only wait on it too.
          if (error instanceof StoreTimeoutError) for (const pending of lane.queue.splice(0)) this.#failed(pending, error);
          settled();
        },
      );
    }
  }

  #send(batch: PendingCheck[]): Promise<LimitScriptReply[]> {
    const client = this.client as (Redis | Cluster) & LimitCommands;
    try {
      if (batch.length === 1) return client.tollgateLimit(...batch[0]!.args).then((reply) => [reply]);
      const keysThenArgs: string[] = [];
      for (const { args } of batch) keysThenArgs.push(args[0], args[1]);
      for (const { args } of batch) for (let i = 2; i < 8; i++) keysThenArgs.push(args[i]!);
      return client.tollgateLimitBatch(2 * batch.length, ...keysThenArgs).then(parseBatchReply);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#incidents.close();
    try {
      await withTimeout(this.client.quit(), 1000);
    } catch {
      this.client.disconnect();
    }
  }
}

/** One caller's continuation must not keep the other checks of its batch from theirs. */
function settle(pending: PendingCheck, decision: LimitDecision): void {
  try {
    pending.done(decision);
  } catch {
    // The caller's own failure, past its decision; nothing for the store to do.
  }
}

function prepareConnection(connection: Redis): void {
  connection.on('ready', () => {
    for (const script of [LIMIT_SCRIPT, LIMIT_BATCH_SCRIPT]) {
      connection.script('LOAD', script).catch(() => {
        // EVALSHA falls back to EVAL: loading ahead only saves a round trip.
      });
    }
  });
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
