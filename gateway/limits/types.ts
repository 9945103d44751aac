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

export type QuotaUsageRequest = Pick<LimitRequest, 'application' | 'product' | 'operation'> & { quota: Quota };

export interface QuotaUsage {
  used: number;
  limit: number;
  /** The window's bounds, epoch milliseconds (end exclusive). */
  windowStart: number;
  windowEnd: number;
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
  /**
   * The same decision handed to `done` when it is known, without a promise of the store's
   * own (Redis); `done` is called once, unless this throws, which it does only before sending anything.
   */
  checkThen?(request: LimitRequest, now: number, done: (decision: LimitDecision) => void): void;
  /** What a quota has used in the window `now` falls in, counting nothing (for the portal's usage page). */
  usage?(request: QuotaUsageRequest, now: number): QuotaUsage | Promise<QuotaUsage>;
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

/** How an outage of the shared store went, reported when it ends (or when the store closes during one). */
export interface StoreIncidentEnd {
  /** false when the store closed before Redis answered again. */
  recovered: boolean;
  durationMs: number;
  firstError: string;
  /** Requests let through without being counted (products failing open). */
  admittedUncounted: number;
  /** Requests refused because nothing could count them (products failing closed). */
  refused: number;
  admittedUncountedByProduct: Record<string, number>;
  refusedByProduct: Record<string, number>;
}

/** Once per outage of the shared store rather than once per check: for logs and incident metrics. */
export interface StoreIncidentHooks {
  /** The first check Redis could not answer after one it did. */
  onIncidentStart?: (error: Error, context: StoreErrorContext) => void;
  /** The first check Redis answered again (or `close()`), with what the outage let through. */
  onIncidentEnd?: (report: StoreIncidentEnd) => void;
}
