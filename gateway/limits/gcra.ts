import type { RateLimit } from '../snapshot/types.ts';

/**
 * Spike arrest as a generic cell rate algorithm (GCRA): one timestamp per key, the
 * "theoretical arrival time" (TAT) of the next request if the client sent at exactly the
 * allowed rate. It smooths like Apigee's Spike Arrest ("10 per second" admits one request
 * every 100 ms) and `burst` lets that many extra requests through back to back, like
 * nginx's `limit_req burst=N nodelay`: a full bucket admits `burst + 1` at once.
 *
 * The same arithmetic runs in Lua in `redis-scripts.ts`; keep them in step.
 */
export interface GcraParams {
  /** Milliseconds between requests at the steady rate. */
  emissionMs: number;
  /** How far ahead of the steady rate a client may run: `burst` emission intervals. */
  toleranceMs: number;
}

export interface GcraResult {
  allowed: boolean;
  /** TAT to store when the request is admitted; the old one when refused. */
  tat: number;
  /** Requests that would still be admitted right now after this one. */
  remaining: number;
  /** When refused: milliseconds until a request would be admitted. */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/** Float slack so that exact-boundary arrivals are not refused over rounding of 1000/3. */
export const GCRA_EPSILON_MS = 1e-6;

export function gcraParams(rate: RateLimit): GcraParams {
  const period = rate.per === 'second' ? 1000 : 60_000;
  const emissionMs = period / Math.max(1, rate.requests);
  return { emissionMs, toleranceMs: emissionMs * Math.max(0, rate.burst) };
}

export function gcra(storedTat: number | undefined, now: number, p: GcraParams): GcraResult {
  const tat = Math.max(storedTat ?? now, now);
  const ahead = tat - now;
  if (ahead > p.toleranceMs + GCRA_EPSILON_MS) {
    return { allowed: false, tat, remaining: 0, retryAfterMs: ahead - p.toleranceMs, resetMs: ahead };
  }
  const next = tat + p.emissionMs;
  const remaining = Math.max(0, Math.floor((p.toleranceMs - ahead) / p.emissionMs + 1e-9));
  return { allowed: true, tat: next, remaining, retryAfterMs: 0, resetMs: next - now };
}
