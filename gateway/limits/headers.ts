import type { RateLimit } from '../snapshot/types.ts';

/**
 * RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-10/11): both fields are
 * Structured Field Lists whose items are Strings naming a policy. Two policies here:
 * - `"quota"`: `q` = limit of the calendar window, `w` = that window's length in seconds
 *   (a month window's `w` is that month's length); `r` = what is left, `t` = seconds until
 *   the window resets.
 * - `"spike"` (spike arrest): `q` requests per `w` seconds, `tollgate-burst` the extra
 *   requests a full bucket admits at once (vendor-prefixed, as the draft asks); `r` =
 *   requests admitted right now if sent back to back, `t` = seconds until the bucket is full.
 * No partition key (`pk`): it would echo the application's identity to whoever holds the key.
 */
export const QUOTA_POLICY = 'quota';
export const SPIKE_POLICY = 'spike';

export interface QuotaState {
  limit: number;
  /** Requests counted in the window, including this one when it was admitted. */
  used: number;
  windowStart: number;
  windowEnd: number;
}

export interface SpikeState {
  rate: RateLimit;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

export interface HeaderInput {
  now: number;
  quota?: QuotaState | undefined;
  spike?: SpikeState | undefined;
  refusedBy?: 'quota' | 'rateLimit' | undefined;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000 - 1e-9));

/** The last policy's text: it is the same for every request of one subscription, and usually of the next. */
let lastPolicy = { limit: NaN, windowSeconds: NaN, rate: undefined as RateLimit | undefined, text: undefined as string | undefined };

export function policyHeader(quota: { limit: number; windowStart: number; windowEnd: number } | undefined, rate: RateLimit | undefined): string | undefined {
  const limit = quota ? quota.limit : -1;
  const windowSeconds = quota ? Math.max(1, Math.round((quota.windowEnd - quota.windowStart) / 1000)) : -1;
  const last = lastPolicy;
  if (last.limit === limit && last.windowSeconds === windowSeconds && last.rate === rate) return last.text;
  const items: string[] = [];
  if (quota) items.push(`"${QUOTA_POLICY}";q=${quota.limit};w=${windowSeconds}`);
  if (rate) items.push(`"${SPIKE_POLICY}";q=${rate.requests};w=${rate.per === 'second' ? 1 : 60};tollgate-burst=${rate.burst}`);
  const text = items.length > 0 ? items.join(', ') : undefined;
  lastPolicy = { limit, windowSeconds, rate, text };
  return text;
}

export function limitHeaders(input: HeaderInput): Record<string, string> {
  const { now, quota, spike, refusedBy } = input;
  const policy = policyHeader(quota, spike?.rate);
  if (policy === undefined) return {};
  let remaining = quota ? `"${QUOTA_POLICY}";r=${Math.max(0, quota.limit - quota.used)};t=${seconds(quota.windowEnd - now)}` : '';
  if (spike) remaining += `${quota ? ', ' : ''}"${SPIKE_POLICY}";r=${Math.max(0, spike.remaining)};t=${seconds(spike.resetMs)}`;
  const headers: Record<string, string> = { 'RateLimit-Policy': policy, RateLimit: remaining };
  if (refusedBy !== undefined) {
    const waits: number[] = [];
    // A refusal by either policy means waiting for every policy that is exhausted.
    if (quota && quota.used >= quota.limit) waits.push(quota.windowEnd - now);
    if (spike && (refusedBy === 'rateLimit' || spike.retryAfterMs > 0)) waits.push(spike.retryAfterMs);
    headers['Retry-After'] = String(Math.max(1, seconds(Math.max(0, ...waits))));
  }
  return headers;
}
