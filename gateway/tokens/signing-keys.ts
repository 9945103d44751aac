import { createPrivateKey, type KeyObject } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The token service's private signing keys: the one secret the gateway holds,
 * kept apart from the snapshot (which carries only the public halves, as
 * `tokens.keys`). Written by whoever rotates them (the operator into a Secret that
 * gateways mount, `tollgate dev` into its state directory); read by the gateway.
 */
export const SIGNING_KEYS_SCHEMA = 'tollgate.dev/signing-keys/v1';

export interface SigningKeyRing {
  schema: typeof SIGNING_KEYS_SCHEMA;
  /** Lifetime of the access tokens signed with these keys. */
  accessTokenTtlSeconds: number;
  keys: SigningKey[];
}

export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  /** Private JWK (with `d`). */
  jwk: Record<string, unknown>;
  createdAt: string;
  /** Not used to sign before this time, so that its public half is published first. */
  activateAt: string;
  /** Unpublished from this time on, once every token it signed has expired. */
  retireAt?: string;
}

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const checkRing = ajv.compile<SigningKeyRing>({
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'accessTokenTtlSeconds', 'keys'],
  properties: {
    schema: { const: SIGNING_KEYS_SCHEMA },
    accessTokenTtlSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
    keys: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kid', 'alg', 'jwk', 'createdAt', 'activateAt'],
        properties: {
          kid: { type: 'string', minLength: 1, maxLength: 128 },
          alg: { enum: ['ES256', 'EdDSA'] },
          jwk: { type: 'object', required: ['kty', 'd'], properties: { kty: { type: 'string' }, d: { type: 'string' } } },
          createdAt: { type: 'string', format: 'date-time' },
          activateAt: { type: 'string', format: 'date-time' },
          retireAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
});

/** A ring ready to sign with: keys imported once, ordered newest activation first. */
export interface LoadedRing {
  accessTokenTtlSeconds: number;
  keys: Array<{ kid: string; alg: SigningKey['alg']; key: KeyObject; activateAtMs: number }>;
}

export type RingCheck = { ok: true; ring: LoadedRing } | { ok: false; errors: string[] };

export function loadSigningKeys(candidate: unknown): RingCheck {
  if (!checkRing(candidate)) {
    return { ok: false, errors: (checkRing.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`) };
  }
  const errors: string[] = [];
  const keys: LoadedRing['keys'] = [];
  for (const [i, k] of candidate.keys.entries()) {
    try {
      const key = createPrivateKey({ key: k.jwk, format: 'jwk' });
      const fits =
        k.alg === 'ES256' ? key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' : key.asymmetricKeyType === 'ed25519';
      if (!fits) errors.push(`/keys/${i}/jwk is not a ${k.alg} key`);
      else keys.push({ kid: k.kid, alg: k.alg, key, activateAtMs: Date.parse(k.activateAt) });
    } catch (err) {
      errors.push(`/keys/${i}/jwk cannot be imported: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (errors.length) return { ok: false, errors };
  keys.sort((a, b) => b.activateAtMs - a.activateAtMs || (a.kid < b.kid ? -1 : 1));
  return { ok: true, ring: { accessTokenTtlSeconds: candidate.accessTokenTtlSeconds, keys } };
}

/**
 * The key to sign with now: the most recently activated one whose public half
 * this gateway already publishes. The second condition is what guarantees that no
 * token is signed with a key a verifier could not yet have seen.
 */
export function signingKeyAt(ring: LoadedRing, published: ReadonlySet<string>, now: number): LoadedRing['keys'][number] | undefined {
  return ring.keys.find((k) => k.activateAtMs <= now && published.has(k.kid));
}
