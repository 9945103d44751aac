import type { Quota, RateLimit } from '../../gateway/snapshot/types.ts';

type LimitSpec = { quota?: { limit: number; interval: number; timeUnit: Quota['timeUnit'] }; rateLimit?: RateLimit };

/** A quota and a rate limit as the snapshot spells them, from a product, a plan, an operation or a policy limit. */
export function limitsOf(spec: LimitSpec): { quota?: Quota; rateLimit?: RateLimit } {
  return {
    ...(spec.quota ? { quota: { limit: spec.quota.limit, interval: spec.quota.interval, timeUnit: spec.quota.timeUnit } } : {}),
    ...(spec.rateLimit ? { rateLimit: { requests: spec.rateLimit.requests, per: spec.rateLimit.per, burst: spec.rateLimit.burst } } : {}),
  };
}
