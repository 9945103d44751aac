import type { Quota } from '../snapshot/types.ts';
import { decide, unlimited, type Outcome } from './decision.ts';
import { gcra, gcraParams } from './gcra.ts';
import { limitKeys, type LimitKeys } from './keys.ts';
import { parseTimeZone, type TimeZone } from './time-zone.ts';
import type { LimitDecision, LimitRequest, LimitStore, QuotaUsage, QuotaUsageRequest } from './types.ts';
import { quotaWindow, type QuotaWindow } from './windows.ts';

export interface MemoryLimitStoreOptions {
  /** Zone whose calendar the quota windows follow; default `UTC`. See `parseTimeZone`. */
  timeZone?: string | undefined;
  /** How often (in the injected time) expired windows and full buckets are dropped; default 60 s. */
  sweepIntervalMs?: number;
}

interface Counter {
  count: number;
  expiresAt: number;
}

/**
 * One process's limits, for `tollgate dev` and single-replica gateways. `check` does all its
 * work synchronously, so concurrent requests cannot interleave between read and write.
 * Memory stays bounded by the live windows: a counter is dropped once its window has ended,
 * a spike-arrest entry once its bucket is full again (both equal to a fresh start).
 */
export class MemoryLimitStore implements LimitStore {
  readonly #zone: TimeZone;
  /** As configured, for the token quotas that share this store's calendar. */
  readonly timeZone: string | undefined;
  readonly #sweepIntervalMs: number;
  readonly #counters = new Map<string, Counter>();
  readonly #tats = new Map<string, number>();
  /**
   * Kept between requests, emptied at each sweep: each quota's current window (only in a
   * fixed-offset zone, where every instant of a window maps back to it), and each
   * application's last keys. Most requests then build no window and no key strings.
   */
  readonly #windows = new Map<Quota, QuotaWindow>();
  readonly #keys = new Map<string, { product: string; operation: string | undefined; windowId: string | undefined; keys: LimitKeys }>();
  #nextSweepAt = Number.NEGATIVE_INFINITY;
  #sweepAtSize = 1024;

  constructor(options: MemoryLimitStoreOptions = {}) {
    this.#zone = parseTimeZone(options.timeZone);
    this.timeZone = options.timeZone;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  }

  /** Live entries, for tests and metrics. */
  get size(): number {
    return this.#counters.size + this.#tats.size;
  }

  async check(request: LimitRequest, now: number): Promise<LimitDecision> {
    return this.checkSync(request, now);
  }

  checkSync(request: LimitRequest, now: number): LimitDecision {
    const { quota, rateLimit } = request;
    if (!quota && !rateLimit) return unlimited();
    this.#maybeSweep(now);
    const window = quota && this.#window(quota, now);
    const keys = this.#keysFor(request, window);
    const outcome: Outcome = { now };

    const spike = rateLimit && gcra(this.#tats.get(keys.spike), now, gcraParams(rateLimit));
    if (rateLimit && spike) outcome.spike = { rate: rateLimit, result: spike };

    let counter: Counter | undefined;
    if (quota && window) {
      counter = this.#counters.get(keys.quota);
      const used = counter?.count ?? 0;
      outcome.quota = { limit: quota.limit, used, allowed: used < quota.limit, window };
    }

    // A refused request consumes neither the quota nor the spike-arrest allowance.
    if ((outcome.quota?.allowed ?? true) && (spike?.allowed ?? true)) {
      if (outcome.quota && window) {
        if (counter) counter.count += 1;
        else this.#counters.set(keys.quota, { count: 1, expiresAt: window.end });
        outcome.quota.used += 1;
      }
      if (spike) this.#tats.set(keys.spike, spike.tat);
    }
    return decide(outcome);
  }

  #window(quota: Quota, now: number): QuotaWindow {
    if (!this.#zone.fixed) return quotaWindow(quota, now, this.#zone);
    const kept = this.#windows.get(quota);
    if (kept !== undefined && now >= kept.start && now < kept.end) return kept;
    const window = quotaWindow(quota, now, this.#zone);
    this.#windows.set(quota, window);
    return window;
  }

  #keysFor(request: LimitRequest, window: QuotaWindow | undefined): LimitKeys {
    const windowId = window?.id;
    const kept = this.#keys.get(request.application);
    if (kept !== undefined && kept.product === request.product && kept.operation === request.operation && kept.windowId === windowId) return kept.keys;
    const keys = limitKeys('', request, window);
    this.#keys.set(request.application, { product: request.product, operation: request.operation, windowId, keys });
    return keys;
  }

  usage(request: QuotaUsageRequest, now: number): QuotaUsage {
    const window = quotaWindow(request.quota, now, this.#zone);
    const counter = this.#counters.get(limitKeys('', { ...request, failureMode: 'open' }, window).quota);
    const used = counter && counter.expiresAt > now ? counter.count : 0;
    return { used, limit: request.quota.limit, windowStart: window.start, windowEnd: window.end };
  }

  async close(): Promise<void> {
    this.#counters.clear();
    this.#tats.clear();
  }

  #maybeSweep(now: number): void {
    if (now < this.#nextSweepAt && this.size < this.#sweepAtSize) return;
    for (const [key, counter] of this.#counters) if (counter.expiresAt <= now) this.#counters.delete(key);
    for (const [key, tat] of this.#tats) if (tat <= now) this.#tats.delete(key);
    this.#windows.clear();
    this.#keys.clear();
    this.#nextSweepAt = now + this.#sweepIntervalMs;
    // Sweeping is O(entries): when everything is live, wait until the map has doubled.
    this.#sweepAtSize = Math.max(1024, 2 * this.size);
  }
}
