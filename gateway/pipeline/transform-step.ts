import { forwardableHeaders } from '../canonical/raw-headers.ts';
import type { RequestContext } from './request-context.ts';

/** The headers the upstream gets: the client's that it may claim, then the gateway's own. */
export function transformStep(ctx: RequestContext): void {
  const req = ctx.req;
  const headers = forwardableHeaders(req.headers, ctx.websocket, ctx.dropHeader, ctx.dropAuthorization);
  const identity = ctx.identity;
  const grant = ctx.grant;
  if (identity !== undefined && grant !== undefined) {
    headers['x-tollgate-application'] = identity.application.id;
    headers['x-tollgate-product'] = grant.product.id;
    if (grant.subscription.plan) headers['x-tollgate-plan'] = grant.subscription.plan;
    if (identity.credential !== undefined) headers['x-tollgate-credential'] = identity.credential;
    if (identity.issuer !== undefined) headers['x-tollgate-issuer'] = identity.issuer;
  }
  const host = headers.host;
  headers['x-request-id'] = ctx.exchange.id;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  if (host) headers['x-forwarded-host'] = host;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  ctx.upstreamHeaders = headers;
}
