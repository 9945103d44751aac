import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { GatewayError } from '../errors/gateway-error.ts';
import type { JwtIssuer, TokenIssuer } from '../snapshot/types.ts';

/** What a verified token says about its caller. */
export interface VerifiedToken {
  issuer: string;
  payload: JWTPayload;
  scopes: string[];
  /** Built-in tokens: which credential the token was issued to (its key hash). External: the client id claim. */
  clientId: string;
  builtIn: boolean;
}

export interface IssuerVerifier {
  issuer: string;
  verify(token: string, now: number): Promise<VerifiedToken>;
}

/** Clock skew accepted on `exp` and `nbf`, between the gateway and the token's issuer. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** Access tokens of the built-in token service: RFC 9068 profile, see gateway/snapshot/PROTOCOL.md. */
export function builtInVerifier(tokens: TokenIssuer): IssuerVerifier {
  const published = createLocalJWKSet({ keys: tokens.keys });
  // The header's `kid` must name a published key: without this, jose would use the only key of the token's type.
  const keys: JWTVerifyGetKey = (header, token) => {
    if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey('the token header names no key (kid)');
    return published(header, token);
  };
  const algorithms = [...new Set(tokens.keys.map(algorithmOf).filter((a): a is string => a !== undefined))];
  return {
    issuer: tokens.issuer,
    async verify(token, now) {
      const { payload } = await run(() =>
        jwtVerify(token, keys, {
          issuer: tokens.issuer,
          audience: tokens.audience,
          algorithms,
          typ: 'at+jwt',
          requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
          currentDate: new Date(now),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }),
      );
      const clientId = payload.client_id;
      if (typeof clientId !== 'string') throw new GatewayError('credentials-invalid', 'the token has no client_id');
      return { issuer: tokens.issuer, payload, scopes: scopesOf(payload), clientId, builtIn: true };
    },
  };
}

/**
 * Remote key sets are kept across snapshots (by URI) so that a reload does not
 * refetch them; jose caches the keys and refetches an unknown `kid` at most once per cooldown.
 */
export class RemoteKeySets {
  readonly #sets = new Map<string, JWTVerifyGetKey>();
  readonly #options: { cooldownDuration: number; cacheMaxAge: number; timeoutDuration: number };

  constructor(options: { cooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number } = {}) {
    this.#options = {
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: options.timeoutMs ?? 5_000,
    };
  }

  get(uri: string): JWTVerifyGetKey {
    let set = this.#sets.get(uri);
    if (!set) this.#sets.set(uri, (set = createRemoteJWKSet(new URL(uri), this.#options)));
    return set;
  }
}

export function externalVerifier(config: JwtIssuer, keySets: RemoteKeySets): IssuerVerifier {
  const remote = keySets.get(config.jwksUri);
  // An identity provider that cannot be reached is an outage, not a bad credential:
  // 503, so clients retry instead of throwing their token away.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (keySetUnavailable(err))
        throw new GatewayError('issuer-unavailable', `the key set of ${config.issuer} cannot be fetched`, { cause: err, headers: { 'retry-after': '5' } });
      throw err;
    }
  };
  return {
    issuer: config.issuer,
    async verify(token, now) {
      const { payload } = await run(() =>
        jwtVerify(token, keys, {
          issuer: config.issuer,
          ...(config.audiences.length ? { audience: config.audiences } : {}),
          algorithms: config.algorithms,
          requiredClaims: ['exp'],
          currentDate: new Date(now),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }),
      );
      const clientId = payload[config.clientIdClaim];
      if (typeof clientId !== 'string' || clientId === '') {
        throw new GatewayError('credentials-invalid', `the token has no ${config.clientIdClaim} claim`);
      }
      return { issuer: config.issuer, payload, scopes: scopesOf(payload), clientId, builtIn: false };
    },
  };
}

/** The issuer a token claims, read without trusting it, to pick the verifier that will check it. */
export function claimedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

async function run<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (err instanceof errors.JWTExpired) throw new GatewayError('credentials-expired', 'the token has expired', { cause: err });
    const code = err instanceof errors.JOSEError ? err.code : 'ERR_VERIFY';
    throw new GatewayError('credentials-invalid', `the token was refused (${code})`, { cause: err });
  }
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

function algorithmOf(jwk: Record<string, unknown>): string | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'OKP') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[String(jwk.crv)];
  return undefined;
}

/** A failure to get the key set (network, timeout, non-200, not JSON), as opposed to a key set without a matching key. */
function keySetUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  if (err instanceof TypeError) return true; // fetch's network failures
  return err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set HTTP response/.test(err.message);
}
