import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/** Host and base path to the API, whose lifecycle headers every answer from here on carries. */
export function routeStep(ctx: RequestContext): void {
  const hit = ctx.runtime.routes.lookup(ctx.req.headers.host, ctx.path);
  if (!hit) throw new GatewayError('route-not-found');
  if ('perEnvironment' in hit.target) throw new GatewayError('environment-required');
  const routed = hit.target;
  ctx.api = routed;
  ctx.basePath = hit.basePath;
  ctx.from = hit.baseSegments;
  // `/base/` is the base path itself, as `/` is the root.
  const segments = ctx.segments;
  if (segments.length === hit.baseSegments + 1 && segments[hit.baseSegments] === '') ctx.segments = segments.slice(0, hit.baseSegments);
  ctx.exchange.api = routed.api.id;
  ctx.responseHeaders = routed.lifecycleHeaders;
}
