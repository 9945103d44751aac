import type { AuthOutcome } from '../auth/authenticate.ts';
import type { CertificateMatch } from '../auth/client-certificate.ts';
import { requireLive } from '../auth/credential-liveness.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/**
 * Authentication for an API that accepts client certificates. `optional`: a key or token
 * when one is sent, else the certificate. `required`: the certificate must name a live
 * Application, and a key or token sent as well must name the same one. A certificate that
 * names no Application is refused with 401 (the handshake cannot know the API yet).
 */
export function withCertificate(
  ctx: RequestContext,
  mode: 'optional' | 'required',
  other: () => AuthOutcome | Promise<AuthOutcome>,
): AuthOutcome | Promise<AuthOutcome> {
  const found = ctx.runtime.certificates?.match(ctx.req.socket) ?? (hasPeerCertificate(ctx) ? 'unknown' : 'none');
  if (found === 'unknown') throw new GatewayError('credentials-invalid', 'the client certificate is not registered to any application');
  const certificate = found === 'none' ? undefined : found;
  if (mode === 'required' && certificate === undefined) throw new GatewayError('credentials-missing', 'this API needs a client certificate');
  let outcome: AuthOutcome | Promise<AuthOutcome>;
  try {
    outcome = other();
  } catch (err) {
    if (certificate && err instanceof GatewayError && err.code === 'credentials-missing') return byCertificate(ctx, certificate);
    throw err;
  }
  if (certificate === undefined) return outcome;
  if (outcome instanceof Promise) return outcome.then((o) => sameApplication(o, certificate));
  return sameApplication(outcome, certificate);
}

function byCertificate(ctx: RequestContext, certificate: CertificateMatch): AuthOutcome {
  requireLive(certificate.application, undefined, ctx.now);
  return {
    identity: { application: certificate.application, kind: 'certificate', certificate: certificate.name },
    strip: { authorization: false },
    query: ctx.query,
  };
}

function sameApplication(outcome: AuthOutcome, certificate: CertificateMatch): AuthOutcome {
  if (outcome.identity.application.id !== certificate.application.id) {
    throw new GatewayError('credentials-invalid', 'the client certificate and the other credential name different applications');
  }
  outcome.identity.certificate = certificate.name;
  return outcome;
}

function hasPeerCertificate(ctx: RequestContext): boolean {
  const socket = ctx.req.socket as { getPeerX509Certificate?: () => unknown };
  return typeof socket.getPeerX509Certificate === 'function' && socket.getPeerX509Certificate() !== undefined;
}
