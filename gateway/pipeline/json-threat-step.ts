import { GatewayError } from '../errors/gateway-error.ts';
import { readBody } from '../openapi/read-body.ts';
import { exceededJsonLimit } from '../policies/json-limits.ts';
import type { JsonLimits } from '../snapshot/types.ts';
import type { RequestContext } from './request-context.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * The API's JSON threat limits on a JSON request body, after authorisation and limits (no
 * anonymous client spends the gateway's memory) and before OpenAPI validation parses it.
 * The body is read once, within the body limit, and forwarded from the buffer. Nothing
 * to do for an API without JSON limits or a request without a JSON body.
 */
export function jsonThreatStep(ctx: RequestContext): void | Promise<void> {
  const limits = ctx.api!.policies?.jsonLimits;
  if (limits === undefined || ctx.websocket) return;
  const req = ctx.req;
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) return;
  const hasBody = ctx.declaredLength !== undefined ? ctx.declaredLength !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  return checked(ctx, limits);
}

async function checked(ctx: RequestContext, limits: JsonLimits): Promise<void> {
  const max = ctx.api!.policies?.maxBodyBytes;
  const body = ctx.body ?? (await readBody(ctx.req, max === undefined ? ctx.services.maxBodyBytes : Math.min(max, ctx.services.maxBodyBytes)));
  ctx.body = body;
  const exceeded = exceededJsonLimit(body, limits);
  if (exceeded !== undefined) throw new GatewayError('json-too-complex', exceeded);
}
