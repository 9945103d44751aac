import type { Quota, RateLimit } from '../snapshot/types.ts';

/** One request's claim on the limits of the (application, product[, operation]) it was authorised for. */
export interface LimitRequest {
  application: string;
  product: string;
  /** Set when the product operation carries its own quota: that quota is counted for this operation alone. */
  operation?: string;
  quota?: Quota;
  rateLimit?: RateLimit;
  /** Product policy when the store cannot be reached. */
  failureMode: 'open' | 'closed';
}

export interface LimitDecision {
  allowed: boolean;
  /** Why it was refused, or `storeUnavailable` with `allowed` true when it failed open. */
  reason?: 'quota' | 'rateLimit' | 'storeUnavailable';
  /** `RateLimit-Policy`, `RateLimit`, and `Retry-After` when refused; set on every response that was limited. */
  headers: Record<string, string>;
}

export interface LimitStore {
  /** `now` is epoch milliseconds, injected so that tests control calendar windows. */
  check(request: LimitRequest, now: number): Promise<LimitDecision>;
  /** The same decision without a promise, for stores that never wait (memory). */
  checkSync?(request: LimitRequest, now: number): LimitDecision;
  close(): Promise<void>;
}

/** Which check the shared store failed to answer; the decision then followed `failureMode`. */
export interface StoreErrorContext {
  application: string;
  product: string;
  operation?: string;
  failureMode: 'open' | 'closed';
}

/**
 * Called once per check that the store could not answer (Redis down, timed out, erroring),
 * so the gateway can count store errors and fail-opens (`failureMode === 'open'`) in metrics.
 */
export type StoreErrorHook = (error: Error, context: StoreErrorContext) => void;
