import type { RequestContext } from './request-context.ts';

/** The token service's own paths, answered before any API route is looked at (never for an upgrade). */
export function tokenEndpointStep(ctx: RequestContext): void | Promise<void> {
  const res = ctx.res;
  if (res === undefined) return;
  const tokens = ctx.services.tokens;
  const endpoint = tokens.endpointOf(ctx.req, ctx.runtime);
  if (endpoint === undefined) return;
  ctx.answered = true;
  return tokens.serve(endpoint, ctx.req, res, ctx.runtime, ctx.exchange);
}
