import type { Exchange } from '../http/exchange.ts';
import { latencyBucket, LATENCY_COLUMNS, REFUSED_STATUSES, statusClassOf, type UsageCell, type UsageRow } from './usage-cell.ts';

const MINUTE_MS = 60_000;

interface Window {
  start: number;
  cells: Map<string, UsageCell>;
  /** Requests in the window, for the dropped-requests count. */
  requests: number;
}

export interface AggregatorOptions {
  /** The environment this replica serves ('' for all). */
  environment: string;
  /** Epoch ms; the minute a request counts in is the minute it completed. */
  now: () => number;
  /** Most cells kept waiting for the store; past it, the oldest closed minutes are dropped (and counted). Default 200,000. */
  maxCells?: number;
}

/**
 * A replica's usage, per minute and key, in memory until written. Rows are cumulative
 * totals per (window, key), so a row written twice, or a retry after a failed write,
 * never double counts. A minute leaves memory once it is over and written clean.
 */
export class UsageAggregator {
  readonly #windows = new Map<number, Window>();
  readonly #environment: string;
  readonly #now: () => number;
  readonly #maxCells: number;
  #cells = 0;
  #current: Window | undefined;

  constructor(options: AggregatorOptions) {
    this.#environment = options.environment;
    this.#now = options.now;
    this.#maxCells = options.maxCells ?? 200_000;
  }

  get cells(): number {
    return this.#cells;
  }

  record(exchange: Exchange, seconds: number): void {
    const at = this.#now();
    const start = at - (at % MINUTE_MS);
    let window = this.#current;
    if (window?.start !== start) window = this.#window(start);
    const status = exchange.status ?? 0;
    const statusClass = statusClassOf(status);
    const key = `${exchange.application ?? ''}\n${exchange.credential ?? ''}\n${exchange.product ?? ''}\n${exchange.plan ?? ''}\n${exchange.api ?? ''}\n${exchange.operation ?? ''}\n${statusClass}\n${exchange.tool ?? ''}\n${exchange.model ?? ''}`;
    let cell = window.cells.get(key);
    if (!cell) {
      cell = this.#cell(exchange, statusClass);
      window.cells.set(key, cell);
      this.#cells++;
    }
    const ms = seconds * 1000;
    cell.requests++;
    if (status >= 200 && status < 400) cell.billable++;
    else if (REFUSED_STATUSES.has(status)) cell.refused++;
    cell.bytesIn += exchange.bytesIn ?? 0;
    cell.bytesOut += exchange.bytesOut ?? 0;
    cell.latencyMsSum += ms;
    cell.latency[latencyBucket(ms)]!++;
    if (exchange.tokens !== undefined) {
      cell.promptTokens += exchange.tokens.prompt;
      cell.completionTokens += exchange.tokens.completion;
    }
    cell.dirty = true;
    window.requests++;
  }

  #window(start: number): Window {
    let window = this.#windows.get(start);
    if (!window) {
      window = { start, cells: new Map(), requests: 0 };
      this.#windows.set(start, window);
    }
    this.#current = window;
    return window;
  }

  #cell(exchange: Exchange, statusClass: string): UsageCell {
    return {
      application: exchange.application ?? '',
      credential: exchange.credential ?? '',
      product: exchange.product ?? '',
      plan: exchange.plan ?? '',
      api: exchange.api ?? '',
      operation: exchange.operation ?? '',
      environment: this.#environment,
      statusClass,
      tool: exchange.tool ?? '',
      model: exchange.model ?? '',
      requests: 0,
      billable: 0,
      refused: 0,
      bytesIn: 0,
      bytesOut: 0,
      latencyMsSum: 0,
      latency: new Array<number>(LATENCY_COLUMNS.length).fill(0),
      promptTokens: 0,
      completionTokens: 0,
      dirty: false,
      written: 0,
    };
  }

  /** Every changed cell as a row, marked clean; hand the rows back with `failed` if writing them fails. */
  take(): UsageRow[] {
    const rows: UsageRow[] = [];
    for (const window of this.#windows.values()) {
      for (const cell of window.cells.values()) {
        if (!cell.dirty) continue;
        cell.dirty = false;
        const { dirty: _, written: __, latency, ...rest } = cell;
        rows.push({ ...rest, latency: [...latency], windowStart: window.start });
      }
    }
    return rows;
  }

  /** The write of these rows failed: their cells are written again next time (with whatever they counted since). */
  failed(rows: readonly UsageRow[]): void {
    for (const row of rows) {
      const cell = this.#windows.get(row.windowStart)?.cells.get(keyOf(row));
      if (cell) cell.dirty = true;
    }
  }

  /** The store took these rows: returns how many requests it newly holds (rows are cumulative). */
  succeeded(rows: readonly UsageRow[]): number {
    let added = 0;
    for (const row of rows) {
      const cell = this.#windows.get(row.windowStart)?.cells.get(keyOf(row));
      if (!cell || row.requests <= cell.written) continue;
      added += row.requests - cell.written;
      cell.written = row.requests;
    }
    return added;
  }

  /** Forgets minutes that are over and fully written; past the cell bound, drops the oldest over minutes. Returns requests dropped. */
  retire(): number {
    const at = this.#now();
    const open = at - (at % MINUTE_MS);
    for (const [start, window] of this.#windows) {
      if (start >= open) continue;
      let clean = true;
      for (const cell of window.cells.values()) if (cell.dirty) clean = false;
      if (clean) this.#forget(window);
    }
    let dropped = 0;
    for (const window of [...this.#windows.values()].sort((a, b) => a.start - b.start)) {
      if (this.#cells <= this.#maxCells || window.start >= open) break;
      dropped += window.requests;
      this.#forget(window);
    }
    return dropped;
  }

  #forget(window: Window): void {
    this.#windows.delete(window.start);
    this.#cells -= window.cells.size;
    if (this.#current === window) this.#current = undefined;
  }
}

function keyOf(row: UsageRow): string {
  return `${row.application}\n${row.credential}\n${row.product}\n${row.plan}\n${row.api}\n${row.operation}\n${row.statusClass}\n${row.tool}\n${row.model}`;
}
