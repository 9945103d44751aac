import { GatewayError } from '../errors/gateway-error.ts';
import { negotiate, parsePrefer, responseFor } from '../openapi/negotiate.ts';
import type { RequestContext } from './request-context.ts';

const TEXT = /^text\//i;

/** The example as bytes of its media type: JSON as JSON, text as it is. */
function serialise(value: unknown, mediaType: string): string {
  if (typeof value === 'string' && (TEXT.test(mediaType) || !/json/i.test(mediaType))) return value;
  return JSON.stringify(value);
}

/**
 * A Prototyped API without an upstream is answered here, from its OpenAPI
 * document (WSO2's prototype with a mock implementation, Prism's negotiation):
 * the first declared response, or the one `Prefer: code=` asks for; the media
 * type `Accept` prefers; the first example, or the one `Prefer: example=` names;
 * with the declared response headers. No credentials are needed, as for any
 * Prototyped API.
 */
export function mockStep(ctx: RequestContext): void {
  const openapi = ctx.api!.openapi;
  if (!openapi?.mock) return;
  const req = ctx.req;
  const res = ctx.res;
  if (res === undefined) throw new GatewayError('bad-request', 'a mocked API takes no WebSocket upgrades');
  const runtime = openapi.find(req.method ?? 'GET', ctx.segments, ctx.from);
  if (!runtime) throw new GatewayError('operation-not-found');
  const prefer = parsePrefer(req.headers.prefer);
  const chosen = responseFor(runtime.op.responses, prefer.code);
  if (!chosen) throw new GatewayError('mock-response-unknown', prefer.code ? `no response ${prefer.code} is declared` : 'no response is declared');
  const { response, status } = chosen;
  const headers: Record<string, string | number> = { ...ctx.responseHeaders };
  for (const h of response.headers) headers[h.name] = h.value;
  let body = '';
  if (response.content.length) {
    const content = negotiate(response.content, req.headers.accept);
    if (!content) throw new GatewayError('not-acceptable', `the response is declared as ${response.content.map((c) => c.mediaType).join(', ')}`);
    const example = prefer.example === undefined ? content.examples[0] : content.examples.find((e) => e.name === prefer.example);
    if (prefer.example !== undefined && !example)
      throw new GatewayError('mock-response-unknown', `no example ${prefer.example} for ${status} ${content.mediaType}`);
    if (example) body = serialise(example.value, content.mediaType);
    headers['content-type'] = content.mediaType;
  }
  const empty = status === 204 || status === 304;
  if (!empty) headers['content-length'] = Buffer.byteLength(body);
  headers['x-request-id'] = ctx.exchange.id;
  headers['x-tollgate-mock'] = 'true';
  ctx.answered = true;
  ctx.exchange.status = status;
  if (res.destroyed) return;
  res.writeHead(status, headers);
  // HEAD: the same headers, no body (Node leaves it out by itself).
  res.end(empty ? undefined : body);
}
