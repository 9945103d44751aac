import { authorize } from '../authorize/authorize.ts';
import type { RequestContext } from './request-context.ts';

const NONE: never[] = [];

/** Which subscription, product and operation let this application make this call. */
export function authoriseStep(ctx: RequestContext): void {
  const identity = ctx.identity;
  if (identity === undefined) return;
  const runtime = ctx.runtime;
  const applicationId = identity.application.id;
  const grant = authorize({
    subscriptions: runtime.subscriptionsByApplication.get(applicationId) ?? NONE,
    inactive: runtime.inactiveSubscriptionsByApplication.get(applicationId) ?? NONE,
    products: runtime.products,
    api: ctx.api!.api.id,
    segments: ctx.segments,
    from: ctx.from,
    method: ctx.req.method ?? 'GET',
    scopes: identity.scopes,
  });
  ctx.grant = grant;
  ctx.exchange.product = grant.product.id;
  if (grant.subscription.plan) ctx.exchange.plan = grant.subscription.plan;
}
