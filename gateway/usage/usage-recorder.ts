import type { Exchange, ExchangeSink } from '../http/exchange.ts';
import { UsageAggregator } from './usage-aggregator.ts';
import type { UsageWriter } from './usage-writer.ts';

/** What the recorder reports, for the gateway's metrics and log. */
export interface UsageEvents {
  /** One write: its rows, and the requests the store newly holds (0 when it failed). */
  flushed(result: 'ok' | 'failed', seconds: number, rows: number, requests: number): void;
  buffered(cells: number): void;
  dropped(requests: number): void;
  error(err: unknown): void;
}

export interface UsageRecorderOptions {
  writer: UsageWriter;
  events: UsageEvents;
  environment?: string;
  now?: () => number;
  /** Default 10 s. */
  flushIntervalMs?: number;
  /** A write taking longer counts as failed (and is retried); default 10 s. */
  writeTimeoutMs?: number;
  /** On close, how long to keep retrying the last flush; default 10 s. */
  drainTimeoutMs?: number;
  maxCells?: number;
}

/**
 * The usage ledger's gateway end: an exchange sink that only counts in memory (so it
 * never slows or fails a request), and a timer that writes the counts in the background.
 * A failed write leaves its cells in memory to be written again at the next tick;
 * `close` (SIGTERM) writes everything, the minute under way included.
 */
export class UsageRecorder implements ExchangeSink {
  readonly #aggregator: UsageAggregator;
  readonly #options: UsageRecorderOptions;
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<boolean> | undefined;
  #closed = false;

  constructor(options: UsageRecorderOptions) {
    this.#options = options;
    this.#aggregator = new UsageAggregator({
      environment: options.environment ?? '',
      now: options.now ?? Date.now,
      ...(options.maxCells !== undefined ? { maxCells: options.maxCells } : {}),
    });
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 10_000);
    this.#timer.unref();
  }

  record(exchange: Exchange, seconds: number): void {
    if (!this.#closed) this.#aggregator.record(exchange, seconds);
  }

  /** Writes what changed since the last write; true when the store took it (or there was nothing). */
  flush(): Promise<boolean> {
    this.#flushing ??= this.#write().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #write(): Promise<boolean> {
    const rows = this.#aggregator.take();
    let requests = 0;
    const started = performance.now();
    let ok = true;
    if (rows.length) {
      try {
        await withTimeout(this.#options.writer.write(rows), this.#options.writeTimeoutMs ?? 10_000);
        requests = this.#aggregator.succeeded(rows);
      } catch (err) {
        ok = false;
        this.#aggregator.failed(rows);
        this.#options.events.error(err);
      }
      this.#options.events.flushed(ok ? 'ok' : 'failed', (performance.now() - started) / 1000, rows.length, requests);
    }
    const dropped = this.#aggregator.retire();
    if (dropped) this.#options.events.dropped(dropped);
    this.#options.events.buffered(this.#aggregator.cells);
    return ok;
  }

  /** Stops counting, then writes everything left, retrying until the drain timeout; true when all was written. */
  async close(): Promise<boolean> {
    this.#closed = true;
    clearInterval(this.#timer);
    const deadline = Date.now() + (this.#options.drainTimeoutMs ?? 10_000);
    await this.#flushing;
    let ok = await this.flush();
    while (!ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ok = await this.flush();
    }
    await this.#options.writer.close().catch((err: unknown) => this.#options.events.error(err));
    return ok;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`usage store did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
