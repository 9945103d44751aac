import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/** A Retired or Blocked API answers nothing but its refusal. */
export function lifecycleStep(ctx: RequestContext): void {
  const lifecycle = ctx.api!.api.lifecycle;
  if (lifecycle === 'Retired') throw new GatewayError('api-retired');
  if (lifecycle === 'Blocked') throw new GatewayError('api-blocked');
}
