import type { ErrorCode } from '../errors/error-codes.ts';

/** What the gateway learned about one request, for the access log and the metrics. */
export interface Exchange {
  id: string;
  startedAt: number;
  method: string;
  /** The canonical path; never the query, which may carry a key. */
  path?: string;
  api?: string;
  product?: string;
  plan?: string;
  application?: string;
  credential?: string;
  /** The API operation matched, `METHOD /pattern`; absent when the API declares none. */
  operation?: string;
  /** For the usage ledger: the request body as declared by Content-Length (a chunked body counts 0)... */
  bytesIn?: number;
  /** ...and the bytes written to the client for the response, headers included. */
  bytesOut?: number;
  status?: number;
  code?: ErrorCode;
  /** Why a request was refused, as detail for the log (never a secret). */
  detail?: string;
  upstreamMs?: number;
  upstream?: string;
  attempts?: number;
  limited?: 'quota' | 'rateLimit' | 'tokenQuota' | 'storeUnavailable';
  /** The response was cut after it began (the upstream failed mid-body, or the client left). */
  aborted?: boolean;
  websocket?: boolean;
  /** The MCP tool this request carries out (a `tools/call` of a product's MCP endpoint). */
  tool?: string;
  /** An LLM API's answer: the model that gave it and the tokens it used. */
  model?: string;
  tokens?: { prompt: number; completion: number; total: number; estimated?: boolean };
}

/** Where a finished exchange goes (metrics, the access log, later usage); a new one is one more sink in the list. */
export interface ExchangeSink {
  record(exchange: Exchange, seconds: number): void;
}

/** Called once per exchange, when its response or socket is done. */
export function completeExchange(sinks: readonly ExchangeSink[], exchange: Exchange): void {
  const seconds = (performance.now() - exchange.startedAt) / 1000;
  for (let i = 0; i < sinks.length; i++) sinks[i]!.record(exchange, seconds);
}
