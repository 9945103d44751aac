import { GatewayError } from '../errors/gateway-error.ts';
import { problemFor, PROBLEM_CONTENT_TYPE } from '../errors/problem.ts';
import { checkBody, checkParameters, type Violation } from '../openapi/check-request.ts';
import { readBody } from '../openapi/read-body.ts';
import type { OperationRuntime } from '../openapi/openapi-runtime.ts';
import type { RequestContext } from './request-context.ts';

/**
 * Opt-in (spec.openAPI.validateRequests, or an operation's x-tollgate-validate):
 * parameters and JSON bodies checked against the API's OpenAPI document before
 * anything goes upstream (or to the mock). A request that does not match is
 * answered 400 with every violation and its JSON pointer. After authorisation
 * and limits, so that no unauthenticated client learns the schema or spends the CPU.
 */
export function validateRequestStep(ctx: RequestContext): void | Promise<void> {
  const openapi = ctx.api!.openapi;
  if (!openapi) return;
  const req = ctx.req;
  const runtime = openapi.find(req.method ?? 'GET', ctx.segments, ctx.from);
  if (!runtime?.params) return;
  const found = checkParameters(runtime, ctx.segments, ctx.from, ctx.query, req.headers);
  const hasBody = ctx.declaredLength !== undefined ? ctx.declaredLength !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!runtime.bodies || ctx.websocket) return finish(ctx, found);
  if (!hasBody) return finish(ctx, [...found, ...checkBody(runtime, req.headers['content-type'], undefined)]);
  return withBody(ctx, runtime, found);
}

async function withBody(ctx: RequestContext, runtime: OperationRuntime, found: Violation[]): Promise<void> {
  // A policy step before may have read it already (json-threat-step.ts).
  const body = ctx.body ?? (await readBody(ctx.req, ctx.services.maxBodyBytes));
  // The forwarder sends this buffer: the request's own stream has been read.
  ctx.body = body;
  finish(ctx, [...found, ...checkBody(runtime, ctx.req.headers['content-type'], body)]);
}

function finish(ctx: RequestContext, violations: Violation[]): void {
  if (!violations.length) return;
  const detail = violations.map((v) => `${v.pointer} ${v.message}`).join('; ');
  ctx.exchange.detail = detail;
  const res = ctx.res;
  if (res === undefined) throw new GatewayError('request-invalid', detail);
  ctx.answered = true;
  ctx.exchange.code = 'request-invalid';
  const body = JSON.stringify({ ...problemFor('request-invalid', detail, ctx.exchange.id), errors: violations });
  ctx.exchange.status = 400;
  if (res.destroyed) return;
  res.writeHead(400, {
    ...ctx.responseHeaders,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-request-id': ctx.exchange.id,
  });
  res.end(body);
}
