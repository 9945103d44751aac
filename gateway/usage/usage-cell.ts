/** Latency bucket upper bounds (ms) of the usage ledger; the last column counts everything above. */
export const LATENCY_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;
/** The ledger's latency columns, one per bound and one above them all. */
export const LATENCY_COLUMNS = [...LATENCY_BOUNDS_MS.map((b) => `lat_le_${b}`), 'lat_gt_5000'] as const;

/** Answers counted apart from billable ones: refused by authentication, authorisation or limits. */
export const REFUSED_STATUSES = new Set([401, 403, 429]);

/** What one usage row is keyed by, within a replica and a minute. */
export interface UsageKey {
  application: string;
  credential: string;
  product: string;
  plan: string;
  api: string;
  operation: string;
  environment: string;
  statusClass: string;
  /** The MCP tool a request carried out, '' for any other request. */
  tool: string;
  /** The model an LLM API's answer names, '' for any other request. */
  model: string;
}

/** The running totals for one key in one minute; cumulative, so re-writing them is idempotent. */
export interface UsageCell extends UsageKey {
  requests: number;
  /** Served 2xx/3xx answers: what pricing charges for. */
  billable: number;
  /** 401, 403 and 429: refused by the gateway, never billed. */
  refused: number;
  bytesIn: number;
  bytesOut: number;
  latencyMsSum: number;
  latency: number[];
  /** Tokens LLM answers reported using (or were estimated at). */
  promptTokens: number;
  completionTokens: number;
  /** Changed since it was last written. */
  dirty: boolean;
  /** Requests the store has confirmed. */
  written: number;
}

/** A cell as written: the values at flush time, with its minute. */
export interface UsageRow extends UsageKey {
  windowStart: number;
  requests: number;
  billable: number;
  refused: number;
  bytesIn: number;
  bytesOut: number;
  latencyMsSum: number;
  latency: number[];
  promptTokens: number;
  completionTokens: number;
}

export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none';
}

export function latencyBucket(ms: number): number {
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
  return i;
}
