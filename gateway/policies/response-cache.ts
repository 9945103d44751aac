import type { OutgoingHttpHeaders } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResponseObserver } from '../proxy/forwarder.ts';

/** One kept answer: the upstream's status, headers (after response rules) and body. */
export interface CachedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  storedAt: number;
  expiresAt: number;
  bytes: number;
}

export type CacheResult = 'hit' | 'miss' | 'bypass' | 'stored' | 'not-stored';

/** Fixed cost counted per entry beside its body and headers, so that many tiny entries are bounded too. */
const ENTRY_OVERHEAD = 256;

/**
 * The gateway's response cache: in memory, per replica, bounded in bytes (least recently
 * used entries go first) and in entry size. Expired entries are dropped when met.
 */
export class ResponseCache {
  readonly #entries = new Map<string, CachedResponse>();
  readonly #maxBytes: number;
  readonly maxEntryBytes: number;
  #bytes = 0;
  readonly #results: Counter<'result'> | undefined;
  readonly #size: Gauge | undefined;

  constructor(options: { maxBytes: number; maxEntryBytes?: number; registry?: Registry }) {
    this.#maxBytes = options.maxBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? 1024 * 1024, options.maxBytes);
    if (options.registry) {
      this.#results = new Counter({
        name: 'tollgate_response_cache_total',
        help: 'Response cache lookups and stores: hit, miss, bypass (the request asked not to use it), stored, not-stored (the answer may not be kept).',
        labelNames: ['result'],
        registers: [options.registry],
      });
      this.#size = new Gauge({ name: 'tollgate_response_cache_bytes', help: 'Bytes the response cache holds.', registers: [options.registry] });
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  count(result: CacheResult): void {
    this.#results?.inc({ result });
  }

  get(key: string, now: number): CachedResponse | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) {
      this.#bytes -= entry.bytes;
      this.#size?.set(this.#bytes);
      return undefined;
    }
    // Re-inserted: the Map's order is the recency order.
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    if (entry.bytes > this.maxEntryBytes) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
    this.#size?.set(this.#bytes);
  }

  /** An observer that keeps the answer under `key` once it has ended whole, if it may be kept. */
  observer(key: string, ttlMs: number, perApplication: boolean, now: () => number): ResponseObserver {
    let status = 0;
    let headers: OutgoingHttpHeaders | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let expiresIn = 0;
    return {
      start: (code, _upstream, forwarded) => {
        expiresIn = storableFor(code, forwarded, ttlMs, perApplication);
        if (expiresIn <= 0) return this.count('not-stored');
        status = code;
        headers = { ...forwarded };
        delete headers.connection;
        delete headers['x-request-id'];
        chunks = [];
      },
      data: (chunk) => {
        if (!chunks) return;
        size += chunk.length;
        if (size > this.maxEntryBytes) {
          chunks = undefined;
          this.count('not-stored');
        } else chunks.push(chunk);
      },
      end: (complete) => {
        if (!complete || !chunks || !headers) return;
        const body = Buffer.concat(chunks, size);
        const at = now();
        const bytes = body.length + ENTRY_OVERHEAD + JSON.stringify(headers).length;
        this.set(key, { status, headers, body, storedAt: at, expiresAt: at + expiresIn, bytes });
        this.count('stored');
      },
    };
  }
}

/**
 * How long an answer may be kept (ms), 0 when not at all: 200 only; not with
 * `no-store`, `no-cache` or (unless entries are per application) `private`; not with
 * `Set-Cookie` or `Vary: *`; at most the upstream's `s-maxage` or `max-age`.
 */
export function storableFor(status: number, headers: OutgoingHttpHeaders, ttlMs: number, perApplication: boolean): number {
  if (status !== 200 || headers['set-cookie'] !== undefined) return 0;
  const vary = headers.vary;
  if (
    vary !== undefined &&
    String(vary)
      .split(',')
      .some((v) => v.trim() === '*')
  )
    return 0;
  const control = headers['cache-control'];
  if (control === undefined) return ttlMs;
  const directives = String(control).toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(directives)) return 0;
  if (!perApplication && /(^|[\s,])private([\s,=]|$)/.test(directives)) return 0;
  const age = /(?:^|[\s,])s-maxage=(\d+)/.exec(directives) ?? /(?:^|[\s,])max-age=(\d+)/.exec(directives);
  return age ? Math.min(ttlMs, Number(age[1]) * 1000) : ttlMs;
}
