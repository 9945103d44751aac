import type { RateLimit } from '../snapshot/types.ts';
import { gcraParams, type GcraResult } from './gcra.ts';
import { limitHeaders, policyHeader, type SpikeState } from './headers.ts';
import type { LimitDecision, LimitRequest } from './types.ts';
import type { QuotaWindow } from './windows.ts';

/** What a store found for one request, before it becomes a decision with headers. */
export interface Outcome {
  now: number;
  quota?: { limit: number; used: number; allowed: boolean; window: QuotaWindow };
  spike?: { rate: RateLimit; result: Pick<GcraResult, 'allowed' | 'remaining' | 'retryAfterMs' | 'resetMs'> };
}

/** Nothing limits the request. A fresh object each time: the gateway may add to `headers`. */
export function unlimited(): LimitDecision {
  return { allowed: true, headers: {} };
}

export function decide(outcome: Outcome): LimitDecision {
  const { now, quota, spike } = outcome;
  // The quota is reported first when both refuse: its wait is the one that matters.
  const reason = quota && !quota.allowed ? 'quota' : spike && !spike.result.allowed ? 'rateLimit' : undefined;
  let spikeState: SpikeState | undefined;
  if (spike) {
    const r = spike.result;
    spikeState = { rate: spike.rate, remaining: r.remaining, retryAfterMs: r.retryAfterMs, resetMs: r.resetMs };
    if (reason !== undefined && r.allowed) {
      // The spike-arrest numbers describe admitting this request, which did not happen:
      // report the allowance as it still stands.
      const { emissionMs } = gcraParams(spike.rate);
      spikeState = { ...spikeState, remaining: spikeState.remaining + 1, resetMs: Math.max(0, spikeState.resetMs - emissionMs) };
    }
  }
  const headers = limitHeaders({
    now,
    quota: quota && { limit: quota.limit, used: quota.used, windowStart: quota.window.start, windowEnd: quota.window.end },
    spike: spikeState,
    refusedBy: reason,
  });
  return reason === undefined ? { allowed: true, headers } : { allowed: false, reason, headers };
}

/**
 * The store could not answer: the product's failure mode decides. Only the policy is
 * advertised (what is left is unknown); a closed refusal, which the gateway answers with
 * 503, suggests retrying in a second.
 */
export function unavailable(request: LimitRequest, window: QuotaWindow | undefined): LimitDecision {
  const headers: Record<string, string> = {};
  const policy = policyHeader(request.quota && window && { limit: request.quota.limit, windowStart: window.start, windowEnd: window.end }, request.rateLimit);
  if (policy !== undefined) headers['RateLimit-Policy'] = policy;
  if (request.failureMode === 'open') return { allowed: true, reason: 'storeUnavailable', headers };
  headers['Retry-After'] = '1';
  return { allowed: false, reason: 'storeUnavailable', headers };
}
