import { GatewayError } from '../errors/gateway-error.ts';
import { ipAllowed } from '../policies/ip-access.ts';
import { apiLimit, applicationLimit, mergeLimitHeaders, namedHeaders, type ScopedLimit } from '../policies/policy-limits.ts';
import type { LimitDecision } from '../limits/types.ts';
import type { NamedLimit } from '../snapshot/types.ts';
import { contextClientIp } from './policy-variables.ts';
import type { RequestContext } from './request-context.ts';

/**
 * The application's IP rules, its application-wide quota, then the API's limits, in that
 * order, each checked on its own (a request a later limit refuses has been counted by the
 * earlier ones, as in WSO2's tiers). Runs after the subscription's own quota and spike arrest (limit-step.ts).
 * Nothing to do when neither the application nor the API declares any.
 */
export function policyLimitStep(ctx: RequestContext): void | Promise<void> {
  const application = ctx.identity?.application;
  const apiLimits = ctx.api!.policies?.limits;
  if (apiLimits === undefined && (application === undefined || (application.quota === undefined && application.ipAccess === undefined))) return;
  if (application?.ipAccess) {
    const access = ctx.runtime.applicationIpAccess?.get(application.id);
    if (access && !ipAllowed(access, contextClientIp(ctx))) throw new GatewayError('ip-not-allowed');
  }
  const failureMode = ctx.grant?.product.quotaFailureMode ?? 'open';
  const limits: ScopedLimit[] = [];
  if (application?.quota) limits.push(applicationLimit(application.id, application.quota, failureMode));
  for (const limit of apiLimits ?? []) {
    const scoped = apiLimit(ctx.api!.api.id, limit, keyValue(ctx, limit), failureMode);
    if (scoped) limits.push(scoped);
  }
  return checkInTurn(ctx, limits, 0);
}

function keyValue(ctx: RequestContext, limit: NamedLimit): string | undefined {
  const key = limit.key;
  if (key === undefined) return undefined;
  if (key.kind === 'clientIp') return contextClientIp(ctx);
  if (key.kind === 'header') {
    const value = ctx.req.headers[key.name!];
    return Array.isArray(value) ? value.join(',') : value;
  }
  const claim = ctx.identity?.claims?.[key.name!];
  return typeof claim === 'string' || typeof claim === 'number' ? String(claim) : undefined;
}

/** One limit after the other, synchronously while the store answers synchronously (memory). */
function checkInTurn(ctx: RequestContext, limits: readonly ScopedLimit[], from: number): void | Promise<void> {
  for (let i = from; i < limits.length; i++) {
    const limit = limits[i]!;
    const decision = check(ctx, limit);
    if (decision instanceof Promise) {
      return decision.then((d) => {
        apply(ctx, limit, d);
        return checkInTurn(ctx, limits, i + 1);
      });
    }
    apply(ctx, limit, decision);
  }
}

function check(ctx: RequestContext, limit: ScopedLimit): LimitDecision | Promise<LimitDecision> {
  const store = ctx.services.limits;
  const down = (): LimitDecision => ({ allowed: limit.request.failureMode === 'open', reason: 'storeUnavailable', headers: {} });
  try {
    if (store.checkSync) return store.checkSync(limit.request, ctx.now);
    return store.check(limit.request, ctx.now).catch(down);
  } catch {
    return down();
  }
}

function apply(ctx: RequestContext, limit: ScopedLimit, decision: LimitDecision): void {
  ctx.responseHeaders = mergeLimitHeaders(ctx.responseHeaders, namedHeaders(decision, limit.policy));
  if (decision.reason) ctx.exchange.limited = decision.reason;
  if (decision.reason === 'storeUnavailable') ctx.services.onLimitStoreFailure(limit.request.product, decision.allowed ? 'open' : 'closed');
  if (decision.allowed) return;
  const code = decision.reason === 'quota' ? 'quota-exceeded' : decision.reason === 'rateLimit' ? 'rate-limited' : 'limits-unavailable';
  throw new GatewayError(code, `the ${limit.policy} limit applies`, { headers: ctx.responseHeaders });
}
