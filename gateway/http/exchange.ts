import type { ErrorCode } from '../errors/error-codes.ts';

/** What the gateway learned about one request, for the access log and the metrics. */
export interface Exchange {
  id: string;
  startedAt: number;
  method: string;
  /** The canonical path; never the query, which may carry a key. */
  path?: string | undefined;
  api?: string | undefined;
  product?: string | undefined;
  plan?: string | undefined;
  application?: string | undefined;
  credential?: string | undefined;
  /** The API operation matched, `METHOD /pattern`; absent when the API declares none. */
  operation?: string | undefined;
  /** For the usage ledger: the request body as declared by Content-Length (a chunked body counts 0)... */
  bytesIn?: number | undefined;
  /** ...and the bytes written to the client for the response, headers included. */
  bytesOut?: number | undefined;
  status?: number | undefined;
  code?: ErrorCode | undefined;
  /** Why a request was refused, as detail for the log (never a secret). */
  detail?: string | undefined;
  upstreamMs?: number | undefined;
  upstream?: string | undefined;
  attempts?: number | undefined;
  limited?: 'quota' | 'rateLimit' | 'tokenQuota' | 'storeUnavailable' | undefined;
  /** The response was cut after it began (the upstream failed mid-body, or the client left). */
  aborted?: boolean | undefined;
  websocket?: boolean | undefined;
  /** The MCP tool this request carries out (a `tools/call` of a product's MCP endpoint). */
  tool?: string | undefined;
  /** An LLM API's answer: the model that gave it and the tokens it used. */
  model?: string | undefined;
  tokens?: { prompt: number; completion: number; total: number; estimated?: boolean } | undefined;
}

/**
 * A new exchange with every field present from the start: steps fill them in, and
 * objects of one shape are read by the sinks without a shape change per field set.
 */
export function newExchange(id: string, startedAt: number, method: string, websocket?: true): Exchange {
  return {
    id,
    startedAt,
    method,
    path: undefined,
    api: undefined,
    product: undefined,
    plan: undefined,
    application: undefined,
    credential: undefined,
    operation: undefined,
    bytesIn: undefined,
    bytesOut: undefined,
    status: undefined,
    code: undefined,
    detail: undefined,
    upstreamMs: undefined,
    upstream: undefined,
    attempts: undefined,
    limited: undefined,
    aborted: undefined,
    websocket,
    tool: undefined,
    model: undefined,
    tokens: undefined,
  };
}

/** Where a finished exchange goes (metrics, the access log, later usage); a new one is one more sink in the list. */
export interface ExchangeSink {
  record(exchange: Exchange, seconds: number): void;
}

/**
 * Hands finished exchanges to the sinks, all those of one turn of the event loop
 * together (at `setImmediate`), not each from its own response's close: under load the
 * sinks' code and data stay in cache across dozens of exchanges in a row: the gateway's
 * CPU a request at peak 0.94-0.95x on the memory store in four A/Bs of five (one 1.00x),
 * 0.87x on Redis, and no change at a paced 4,000 or 8,000 requests a second. The latency
 * is taken when the exchange completes, so no figure moves with the deferral.
 */
export class ExchangeSinks {
  readonly #sinks: readonly ExchangeSink[];
  readonly #onError: (err: unknown) => void;
  readonly #flush = (): void => this.flush();
  #exchanges: Exchange[] = [];
  #seconds: number[] = [];
  #scheduled = false;

  /** `onError`: a sink that threw; the other sinks and exchanges go on. */
  constructor(sinks: readonly ExchangeSink[], onError: (err: unknown) => void) {
    this.#sinks = sinks;
    this.#onError = onError;
  }

  /** Called once per exchange, when its response or socket is done. */
  complete(exchange: Exchange): void {
    this.#exchanges.push(exchange);
    this.#seconds.push((performance.now() - exchange.startedAt) / 1000);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Every exchange completed so far, to the sinks now; also what a closing gateway does last. */
  flush(): void {
    this.#scheduled = false;
    const exchanges = this.#exchanges;
    const seconds = this.#seconds;
    if (exchanges.length === 0) return;
    this.#exchanges = [];
    this.#seconds = [];
    const sinks = this.#sinks;
    for (let j = 0; j < exchanges.length; j++) {
      for (let i = 0; i < sinks.length; i++) {
        try {
          sinks[i]!.record(exchanges[j]!, seconds[j]!);
        } catch (err) {
          this.#onError(err);
        }
      }
    }
  }
}
