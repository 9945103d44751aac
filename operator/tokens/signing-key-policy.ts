import { createHash, generateKeyPairSync } from 'node:crypto';
import { SIGNING_KEYS_SCHEMA, type SigningKey, type SigningKeyRing } from '../../gateway/tokens/signing-keys.ts';

/**
 * When the token service's signing keys are made, used and dropped. Pure: the
 * clock is an argument and key generation is injected, so a rotation can be
 * tested hour by hour without waiting.
 *
 * A new key is published (in the snapshot's `tokens.keys`, so in every JWKS)
 * `prePublishMs` before it may sign, long enough for gateways and JWKS caches to
 * see it. The key it replaces stays published until the last token it can have
 * signed has expired: its successor's activation + token TTL + clock tolerance.
 */
export interface RotationPolicy {
  rotateAfterMs: number;
  prePublishMs: number;
  accessTokenTtlSeconds: number;
  /** Clock skew allowed between gateways and verifiers. */
  toleranceMs: number;
  alg: SigningKey['alg'];
}

export const DEFAULT_POLICY: RotationPolicy = {
  rotateAfterMs: 30 * 24 * 3600_000,
  prePublishMs: 10 * 60_000,
  accessTokenTtlSeconds: 3600,
  toleranceMs: 60_000,
  alg: 'ES256',
};

export type GenerateKey = (alg: SigningKey['alg']) => Record<string, unknown>;

export const generateKey: GenerateKey = (alg) => {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ format: 'jwk' });
};

/**
 * The ring as it should be at `now`: expired keys dropped, a successor made when
 * the active key is due (or at once with `force`), a first key when there is none.
 */
export function rotateRing(
  ring: SigningKeyRing | undefined,
  now: Date,
  policy: RotationPolicy,
  generate: GenerateKey,
  options: { force?: boolean } = {},
): { ring: SigningKeyRing; changed: boolean } {
  const t = now.getTime();
  let keys = (ring?.keys ?? []).filter((k) => k.retireAt === undefined || Date.parse(k.retireAt) > t);
  let changed = ring === undefined || keys.length !== ring.keys.length || ring.accessTokenTtlSeconds !== policy.accessTokenTtlSeconds;

  const newest = [...keys].sort((a, b) => Date.parse(b.activateAt) - Date.parse(a.activateAt))[0];
  const pending = newest !== undefined && Date.parse(newest.activateAt) > t;
  const due = newest === undefined || (!pending && (options.force || Date.parse(newest.activateAt) + policy.rotateAfterMs - policy.prePublishMs <= t));
  if (due) {
    // The very first key signs at once: nothing was published before it, so there is nothing to overlap with.
    const activateAt = newest === undefined ? t : Math.max(t + policy.prePublishMs, options.force ? 0 : Date.parse(newest.activateAt) + policy.rotateAfterMs);
    const retireOthersAt = new Date(activateAt + policy.accessTokenTtlSeconds * 1000 + policy.toleranceMs).toISOString();
    keys = keys.map((k) => (k.retireAt === undefined ? { ...k, retireAt: retireOthersAt } : k));
    const jwk = generate(policy.alg);
    keys.push({ kid: thumbprint(jwk), alg: policy.alg, jwk, createdAt: now.toISOString(), activateAt: new Date(activateAt).toISOString() });
    changed = true;
  }
  return { ring: { schema: SIGNING_KEYS_SCHEMA, accessTokenTtlSeconds: policy.accessTokenTtlSeconds, keys }, changed };
}

/** The public halves of every key in the ring, for the snapshot's `tokens.keys` and so the JWKS. */
export function publicKeys(ring: SigningKeyRing): Array<Record<string, unknown>> {
  return ring.keys.map((k) => {
    const { d: _private, ...pub } = k.jwk;
    return { ...pub, kid: k.kid, alg: k.alg, use: 'sig' };
  });
}

/** RFC 7638 JWK thumbprint: a kid that names the key itself. */
function thumbprint(jwk: Record<string, unknown>): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
