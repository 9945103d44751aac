import { SignJWT } from 'jose';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { BackendJwt } from '../snapshot/types.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** Who called, as the backend JWT states it. */
export interface BackendJwtSubject {
  api: string;
  application: string;
  product: string;
  plan: string;
  /** The caller's bearer token claims, when it sent one. */
  claims: Readonly<Record<string, unknown>> | undefined;
}

/** Signed JWTs kept at most this many at once, and reused for at most half their lifetime. */
const MAX_CACHED = 10_000;

/**
 * A short-lived JWT for the upstream (WSO2's backend JWT), so that a backend can verify
 * who called instead of trusting plain headers: `iss` the token service's issuer, `sub`
 * the application, `aud` the API's audience, plus `application`, `product`, `plan`, `api`
 * and the caller's token claims under `caller`. Signed with the key that signs access
 * tokens (ES256 or EdDSA), published at /.well-known/jwks.json, `typ: JWT`. Signing costs
 * tens of microseconds, so a token is reused for the same caller for half its lifetime.
 */
export class BackendJwtSigner {
  readonly #tokens: TokenService;
  readonly #cache = new Map<string, { jwt: string; reuseUntil: number }>();

  constructor(tokens: TokenService) {
    this.#tokens = tokens;
  }

  sign(policy: BackendJwt, subject: BackendJwtSubject, runtime: RuntimeSnapshot, now: number): string | Promise<string> {
    const issuer = runtime.snapshot.tokens?.issuer;
    const key = this.#tokens.currentSigningKey(runtime, now);
    if (issuer === undefined || key === undefined)
      throw new GatewayError('backend-credentials-unavailable', undefined, { cause: new Error('backend JWT: no signing key (is the token service on?)') });
    const id = `${key.kid}\n${policy.audience}\n${policy.ttlSeconds}\n${subject.api}\n${subject.application}\n${subject.product}\n${subject.plan}\n${subject.claims ? JSON.stringify(subject.claims) : ''}`;
    const cached = this.#cache.get(id);
    if (cached && cached.reuseUntil > now) return cached.jwt;
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = { application: subject.application, product: subject.product, api: subject.api };
    if (subject.plan) claims.plan = subject.plan;
    if (subject.claims) claims.caller = subject.claims;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(policy.audience)
      .setSubject(subject.application || 'anonymous')
      .setIssuedAt(iat)
      .setExpirationTime(iat + policy.ttlSeconds)
      .sign(key.key)
      .then((jwt) => {
        if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
        this.#cache.set(id, { jwt, reuseUntil: now + (policy.ttlSeconds * 1000) / 2 });
        return jwt;
      });
  }
}
