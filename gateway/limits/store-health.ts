import { replyWithin, StoreTimeoutError } from './reply-deadline.ts';

/** How many more timeouts a batch may wait for a slow answer while the store is otherwise healthy, unless configured. */
export const DEFAULT_GRACE_TIMEOUTS = 2;

export interface StoreHealthOptions {
  /** How long Redis may take to answer a batch (`--limit-timeout`). */
  timeoutMs: number;
  /** Extra timeouts a batch may wait when its deadline is the first one missed; 0: none. */
  graceTimeouts?: number;
  /** Whether the connection the batch went out on is still up (ioredis status `ready`). */
  connectionReady: () => boolean;
}

/**
 * Decides from the store's health, not from one deadline, when a batch Redis has not
 * answered is given up on. A missed deadline alone is what a loaded machine produces (Redis
 * or this process descheduled for a moment), so while the connection is ready and the last
 * batch judged was answered, a batch that misses its deadline waits up to `graceTimeouts`
 * more timeouts before it fails. Only then is the store down: from that failure until the
 * next answer, a batch fails at its plain deadline, and so do batches whose connection is
 * not ready. An error from Redis or the connection fails a batch at once and marks the
 * store down too. A batch therefore waits at most `timeoutMs * (1 + graceTimeouts)`.
 */
export class StoreHealth {
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #connectionReady: () => boolean;
  #down = false;

  constructor(options: StoreHealthOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#graceMs = options.timeoutMs * Math.max(0, options.graceTimeouts ?? DEFAULT_GRACE_TIMEOUTS);
    this.#connectionReady = options.connectionReady;
  }

  /** True from a batch given up on (or an error) until Redis next answers. */
  get down(): boolean {
    return this.#down;
  }

  /** Longest a batch can wait before it is given up on, in milliseconds (plus any time the loop is blocked). */
  get boundMs(): number {
    return this.#timeoutMs + this.#graceMs;
  }

  /** `reply`, or its error, or a StoreTimeoutError once Redis is judged not to be answering it. */
  async judge<T>(reply: Promise<T>): Promise<T> {
    try {
      return this.#answered(await replyWithin(reply, this.#timeoutMs));
    } catch (error) {
      if (!(error instanceof StoreTimeoutError) || this.#down || this.#graceMs === 0 || !this.#connectionReady()) throw this.#failed(error);
    }
    try {
      return this.#answered(await replyWithin(reply, this.#graceMs));
    } catch (error) {
      throw this.#failed(error instanceof StoreTimeoutError ? new StoreTimeoutError(this.boundMs) : error);
    }
  }

  #answered<T>(value: T): T {
    this.#down = false;
    return value;
  }

  #failed(error: unknown): unknown {
    this.#down = true;
    return error;
  }
}
