import { authenticate, type AuthOutcome } from '../auth/authenticate.ts';
import { withCertificate } from './certificate-auth.ts';
import type { RequestContext } from './request-context.ts';

/** Who is calling, when the API requires to know; an API key is checked without a promise. */
export function authenticateStep(ctx: RequestContext): void | Promise<void> {
  ctx.now = ctx.services.now();
  const routed = ctx.api!;
  if (!routed.api.auth.required) return;
  const certificates = routed.api.auth.clientCertificate;
  const outcome =
    certificates === undefined
      ? authenticate(ctx.req, routed.auth, ctx.runtime.credentials, ctx.query, ctx.now)
      : withCertificate(ctx, certificates, () => authenticate(ctx.req, routed.auth, ctx.runtime.credentials, ctx.query, ctx.now));
  if (outcome instanceof Promise) return authenticated(ctx, outcome);
  identify(ctx, outcome);
}

async function authenticated(ctx: RequestContext, pending: Promise<AuthOutcome>): Promise<void> {
  identify(ctx, await pending);
}

function identify(ctx: RequestContext, outcome: AuthOutcome): void {
  const { identity } = outcome;
  ctx.identity = identity;
  ctx.exchange.application = identity.application.id;
  if (identity.credential !== undefined) ctx.exchange.credential = identity.credential;
  ctx.dropHeader = outcome.strip.header;
  if (outcome.strip.authorization) ctx.dropAuthorization = 'authorization';
  ctx.query = outcome.query;
}
