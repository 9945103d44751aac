import { GatewayError } from '../errors/gateway-error.ts';
import { allowHeader, matchesPath, methodAllowed } from '../router/path-match.ts';
import type { RequestContext } from './request-context.ts';

/** An API that declares its operations serves those paths and methods only. */
export function operationStep(ctx: RequestContext): void {
  const operations = ctx.api!.api.operations;
  if (!operations) return;
  const { segments, from } = ctx;
  const method = ctx.req.method ?? 'GET';
  const onPath = operations.filter((op) => matchesPath(op.match, segments, from));
  if (!onPath.length) throw new GatewayError('operation-not-found');
  const matched = onPath.find((op) => methodAllowed(op.methods, method));
  if (!matched) {
    throw new GatewayError('method-not-allowed', undefined, { headers: { allow: allowHeader(onPath.map((op) => op.methods)) } });
  }
  // The usage ledger's operation: the declared pattern the request matched, with its method.
  ctx.exchange.operation = `${method} ${matched.match.pattern}`;
}
