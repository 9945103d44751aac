import type { ForwardPlan, ResponseObserver } from '../proxy/forwarder.ts';
import type { RequestContext } from './request-context.ts';

const NO_OBSERVERS: readonly ResponseObserver[] = [];
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** The last step: the plan every earlier step has decided, handed to the forwarder. */
export function forwardStep(ctx: RequestContext): void {
  const req = ctx.req;
  const routed = ctx.api!;
  const upstream = routed.api.upstream;
  const declaredLength = ctx.declaredLength;
  const hasBody = declaredLength !== undefined ? declaredLength !== '0' : req.headers['transfer-encoding'] !== undefined;
  const plan: ForwardPlan = {
    pool: routed.pool,
    relativePath: ctx.upstreamPath ?? ctx.path.slice(ctx.basePath.length),
    query: ctx.query,
    headers: ctx.upstreamHeaders!,
    connectTimeoutMs: upstream.connectTimeoutMs,
    timeoutMs: upstream.timeoutMs,
    retries: upstream.retries,
    hasBody,
    retryable: IDEMPOTENT.has(req.method ?? 'GET') && !hasBody,
    responseHeaders: ctx.responseHeaders,
    ownsCors: routed.cors !== undefined,
    observers: ctx.responseObservers ?? NO_OBSERVERS,
    maxBodyBytes: routed.policies?.maxBodyBytes === undefined ? ctx.services.maxBodyBytes : Math.min(routed.policies.maxBodyBytes, ctx.services.maxBodyBytes),
    rewriteResponse: ctx.rewriteResponse,
  };
  if (ctx.body !== undefined) plan.body = ctx.body;
  const forwarder = ctx.services.forwarder;
  const res = ctx.res;
  if (res === undefined) forwarder.ws(req, ctx.socket!, ctx.head!, plan, ctx.exchange);
  else if (!res.destroyed) ctx.flight = forwarder.web(req, res, plan, ctx.exchange);
}
