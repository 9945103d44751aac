/**
 * Counts failed client authentications per key (a client id, a source address)
 * in fixed windows, so that guessing secrets is slow: once a key has `limit`
 * failures in a window, further attempts are refused until the window ends,
 * without even checking the secret. Memory is bounded: the oldest keys are
 * forgotten first. Per gateway process, which is what an attacker meets.
 */
export class FailureThrottle {
  readonly #entries = new Map<string, { windowStart: number; failures: number }>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(options: { limit: number; windowMs: number; maxKeys?: number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until `key` may try again, or 0 if it may now. */
  blockedFor(key: string, now: number): number {
    const entry = this.#entries.get(key);
    if (!entry) return 0;
    const ends = entry.windowStart + this.#windowMs;
    if (now >= ends) {
      this.#entries.delete(key);
      return 0;
    }
    return entry.failures >= this.#limit ? ends - now : 0;
  }

  fail(key: string, now: number): void {
    let entry = this.#entries.get(key);
    if (entry && now >= entry.windowStart + this.#windowMs) entry = undefined;
    if (!entry) {
      if (this.#entries.size >= this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
      entry = { windowStart: now, failures: 0 };
    }
    entry.failures++;
    // Re-insert so that Map order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }
}
