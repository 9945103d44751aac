import { canonicaliseTarget } from '../canonical/canonicalise-target.ts';
import { SINGLE_HEADERS, firstDuplicate } from '../canonical/raw-headers.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/** The one path every later step routes, authorises and forwards; anything ambiguous is refused here. */
export function canonicaliseStep(ctx: RequestContext): void {
  const req = ctx.req;
  const duplicate = firstDuplicate(req.rawHeaders, SINGLE_HEADERS);
  if (duplicate) throw new GatewayError('duplicate-header', `${duplicate} appears more than once`);

  const target = canonicaliseTarget(req.url ?? '');
  if (!target.ok) throw new GatewayError('invalid-request-target', target.reason);
  ctx.path = target.path;
  ctx.segments = target.segments;
  ctx.query = target.query;
  ctx.exchange.path = target.path;

  const declaredLength = req.headers['content-length'];
  const maxBodyBytes = ctx.services.maxBodyBytes;
  if (declaredLength !== undefined && Number(declaredLength) > maxBodyBytes) {
    throw new GatewayError('request-too-large', `the limit is ${maxBodyBytes} bytes`, { headers: { connection: 'close' } });
  }
  ctx.declaredLength = declaredLength;
}
