import { GatewayError } from '../errors/gateway-error.ts';
import { ipAllowed } from '../policies/ip-access.ts';
import { contextClientIp } from './policy-variables.ts';
import type { RequestContext } from './request-context.ts';

/** The API's IP rules and body limit, before anything is authenticated: nothing to do for an API without policies. */
export function accessStep(ctx: RequestContext): void {
  const policies = ctx.api!.policies;
  if (policies === undefined) return;
  if (policies.ipAccess && !ipAllowed(policies.ipAccess, contextClientIp(ctx))) throw new GatewayError('ip-not-allowed');
  const max = policies.maxBodyBytes;
  if (max !== undefined && ctx.declaredLength !== undefined && Number(ctx.declaredLength) > max) {
    throw new GatewayError('request-too-large', `the limit is ${max} bytes`, { headers: { connection: 'close' } });
  }
}
