import { clientIp } from '../policies/client-ip.ts';
import type { TemplateVariables } from '../policies/templates.ts';
import type { RequestContext } from './request-context.ts';

/** The client's address as policies see it, read once per request. */
export function contextClientIp(ctx: RequestContext): string {
  return (ctx.clientIp ??= clientIp(ctx.req, ctx.services.policies.trustedProxies));
}

/** The variables a policy value may reference (gateway/policies/templates.ts); built only for values that use any. */
export function templateVariables(ctx: RequestContext): TemplateVariables {
  const identity = ctx.identity;
  const grant = ctx.grant;
  return {
    application: identity?.application.id ?? '',
    product: grant?.product.id ?? '',
    plan: grant?.subscription.plan ?? '',
    api: ctx.api?.api.id ?? '',
    clientIp: contextClientIp(ctx),
    requestId: ctx.exchange.id,
    claims: identity?.claims,
  };
}
