import { parseTimeZone, type TimeZone } from './time-zone.ts';
import { tokenDecision, tokenKeys, tokensOf, type TokenCheck, type TokenCounts, type TokenDecision, type TokenLimitStore } from './token-limits.ts';

interface Counter {
  count: number;
  expiresAt: number;
}

/** Token quotas in one process's memory (`tollgate dev`, one replica); a counter is dropped once its window has ended. */
export class MemoryTokenStore implements TokenLimitStore {
  readonly #zone: TimeZone;
  readonly #counters = new Map<string, Counter>();
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: { timeZone?: string | undefined } = {}) {
    this.#zone = parseTimeZone(options.timeZone);
  }

  get size(): number {
    return this.#counters.size;
  }

  check(request: TokenCheck, now: number): TokenDecision {
    this.#sweep(now);
    const keys = tokenKeys('', request, now, this.#zone);
    return tokenDecision(
      keys,
      keys.map(({ key }) => this.#counters.get(key)?.count ?? 0),
      now,
    );
  }

  record(request: TokenCheck, used: TokenCounts, now: number): void {
    for (const { key, window, quota } of tokenKeys('', request, now, this.#zone)) {
      const n = tokensOf(used, quota.tokens);
      if (n <= 0) continue;
      const counter = this.#counters.get(key);
      if (counter) counter.count += n;
      else this.#counters.set(key, { count: n, expiresAt: window.end });
    }
  }

  async close(): Promise<void> {
    this.#counters.clear();
  }

  #sweep(now: number): void {
    if (now < this.#nextSweepAt) return;
    for (const [key, counter] of this.#counters) if (counter.expiresAt <= now) this.#counters.delete(key);
    this.#nextSweepAt = now + 60_000;
  }
}
