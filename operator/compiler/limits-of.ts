import type { Quota, RateLimit, TokenQuota } from '../../gateway/snapshot/types.ts';

type LimitSpec = {
  quota?: { limit: number; interval: number; timeUnit: Quota['timeUnit'] };
  rateLimit?: RateLimit;
  tokenQuotas?: Array<{ tokens: TokenQuota['tokens']; limit: number; interval: number; timeUnit: Quota['timeUnit'] }>;
};

export interface Limits {
  quota?: Quota;
  rateLimit?: RateLimit;
  /** LLM token quotas (issue 19), from a product or a plan. */
  tokenQuotas?: TokenQuota[];
}

/** A quota, a rate limit and token quotas as the snapshot spells them, from a product, a plan, an operation or a policy limit. */
export function limitsOf(spec: LimitSpec): Limits {
  return {
    ...(spec.quota ? { quota: { limit: spec.quota.limit, interval: spec.quota.interval, timeUnit: spec.quota.timeUnit } } : {}),
    ...(spec.rateLimit ? { rateLimit: { requests: spec.rateLimit.requests, per: spec.rateLimit.per, burst: spec.rateLimit.burst } } : {}),
    ...(spec.tokenQuotas?.length
      ? { tokenQuotas: spec.tokenQuotas.map((t) => ({ tokens: t.tokens, limit: t.limit, interval: t.interval, timeUnit: t.timeUnit })) }
      : {}),
  };
}
