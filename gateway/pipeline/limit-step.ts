import { GatewayError } from '../errors/gateway-error.ts';
import type { LimitDecision, LimitRequest } from '../limits/types.ts';
import type { RequestContext } from './request-context.ts';

/** The grant's quota and spike arrest; a store that answers synchronously costs no promise. */
export function limitStep(ctx: RequestContext): void | Promise<void> {
  const grant = ctx.grant;
  if (grant === undefined) return;
  const quota = grant.operation?.operation.quota ?? grant.subscription.quota;
  const rateLimit = grant.subscription.rateLimit;
  if (!quota && !rateLimit) return;
  const request: LimitRequest = {
    application: ctx.identity!.application.id,
    product: grant.product.id,
    failureMode: grant.product.quotaFailureMode,
  };
  if (grant.operation) request.operation = grant.operation.id;
  if (quota) request.quota = quota;
  if (rateLimit) request.rateLimit = rateLimit;
  const store = ctx.services.limits;
  if (store.checkSync === undefined && store.checkThen !== undefined) return checkThen(ctx, request);
  const checked = checkLimits(ctx, request);
  if (checked instanceof Promise) return decidedLater(ctx, request, checked);
  decide(ctx, request, checked);
}

/** A store that answers later through a callback (Redis): the request's one promise is made here. */
function checkThen(ctx: RequestContext, request: LimitRequest): Promise<void> {
  const store = ctx.services.limits;
  return new Promise<void>((resolve, reject) => {
    const done = (decision: LimitDecision) => {
      try {
        decide(ctx, request, decision);
        resolve();
      } catch (err) {
        reject(err);
      }
    };
    try {
      store.checkThen!(request, ctx.now, done);
    } catch {
      done(storeDown(request));
    }
  });
}

async function decidedLater(ctx: RequestContext, request: LimitRequest, pending: Promise<LimitDecision>): Promise<void> {
  decide(ctx, request, await pending);
}

function decide(ctx: RequestContext, request: LimitRequest, decision: LimitDecision): void {
  ctx.responseHeaders = merged(ctx.responseHeaders, decision.headers);
  if (decision.reason) ctx.exchange.limited = decision.reason;
  if (decision.reason === 'storeUnavailable') ctx.services.onLimitStoreFailure(request.product, decision.allowed ? 'open' : 'closed');
  if (!decision.allowed) {
    throw new GatewayError(
      decision.reason === 'quota' ? 'quota-exceeded' : decision.reason === 'rateLimit' ? 'rate-limited' : 'limits-unavailable',
      undefined,
      { headers: ctx.responseHeaders },
    );
  }
}

function checkLimits(ctx: RequestContext, request: LimitRequest): LimitDecision | Promise<LimitDecision> {
  const store = ctx.services.limits;
  const now = ctx.now;
  if (store.checkSync) {
    try {
      return store.checkSync(request, now);
    } catch {
      return storeDown(request);
    }
  }
  let pending: Promise<LimitDecision>;
  try {
    pending = store.check(request, now);
  } catch {
    return storeDown(request);
  }
  return pending.catch(() => storeDown(request));
}

/** A store that throws instead of answering is a store that is down: the product's policy decides. */
function storeDown(request: LimitRequest): LimitDecision {
  return { allowed: request.failureMode === 'open', reason: 'storeUnavailable', headers: {} };
}

/** The headers so far, then the decision's; the decision's own object (every store makes a fresh one) when there were none. */
function merged(before: Record<string, string>, added: Record<string, string>): Record<string, string> {
  for (const _ in before) return { ...before, ...added };
  return added;
}
