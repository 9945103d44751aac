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
  if (!onPath.some((op) => methodAllowed(op.methods, method))) {
    throw new GatewayError('method-not-allowed', undefined, { headers: { allow: allowHeader(onPath.map((op) => op.methods)) } });
  }
}
