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
  status?: number;
  code?: ErrorCode;
  /** Why a request was refused, as detail for the log (never a secret). */
  detail?: string;
  upstreamMs?: number;
  upstream?: string;
  attempts?: number;
  limited?: 'quota' | 'rateLimit' | 'storeUnavailable';
  /** The response was cut after it began (the upstream failed mid-body, or the client left). */
  aborted?: boolean;
  websocket?: boolean;
}
