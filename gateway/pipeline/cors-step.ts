import { answerPreflight, corsResponseHeaders, isPreflight } from '../cors/cors-policy.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { sendPreflight } from '../http/respond.ts';
import type { RequestContext } from './request-context.ts';

/**
 * Before the lifecycle and credential checks: a browser sends no credential in a
 * preflight, and only an answered preflight lets it read the refusal that follows.
 */
export function corsStep(ctx: RequestContext): void {
  const cors = ctx.api!.cors;
  if (!cors) return;
  const req = ctx.req;
  const origin = req.headers.origin;
  const requestMethod = req.headers['access-control-request-method'];
  const res = ctx.res;
  if (res !== undefined && isPreflight(req.method, origin, requestMethod)) {
    const lifecycleHeaders = ctx.responseHeaders;
    const preflight = answerPreflight(cors, origin!, requestMethod!, req.headers['access-control-request-headers']);
    if (!preflight.ok) throw new GatewayError('cors-preflight-refused', preflight.reason, { headers: { vary: 'Origin', ...lifecycleHeaders } });
    ctx.answered = true;
    if (!res.destroyed) sendPreflight(res, { ...lifecycleHeaders, ...preflight.headers }, ctx.exchange.id);
    return;
  }
  ctx.responseHeaders = { ...ctx.responseHeaders, ...corsResponseHeaders(cors, origin) };
}
