// The gateway's own token issuer as the token tests set it up: one fresh P-256
// key (kid k1, ES256) in the gateway's signing ring, and its public half in the
// snapshot's tokens section, for issuer https://gateway.test and audience tollgate.
import { generateKeyPairSync } from 'node:crypto';
import type { Gateway } from '../../gateway/server/create-gateway.ts';
import type { TokenIssuer } from '../../gateway/snapshot/types.ts';
import { SIGNING_KEYS_SCHEMA } from '../../gateway/tokens/signing-keys.ts';

export type Jwk = Record<string, unknown>;

/** A fresh key: the private JWK the gateway signs with, and the public one a snapshot lists. */
export function newSigningKey(): { jwk: Jwk; pub: Jwk } {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Jwk;
  const { d: _d, ...pub } = jwk;
  return { jwk, pub };
}

/** Puts the key in the gateway's signing ring as k1, active since 2020, tokens living 600 s. */
export function setSigningKey(gw: Gateway, jwk: Jwk): void {
  const keys = gw.setSigningKeys({
    schema: SIGNING_KEYS_SCHEMA,
    accessTokenTtlSeconds: 600,
    keys: [{ kid: 'k1', alg: 'ES256', jwk, createdAt: '2020-01-01T00:00:00Z', activateAt: '2020-01-01T00:00:00Z' }],
  });
  if (!keys.ok) throw new Error(keys.errors.join('; '));
}

/** The snapshot's tokens section for that key. */
export const gatewayTokens = (pub: Jwk): TokenIssuer => ({
  issuer: 'https://gateway.test',
  audience: 'tollgate',
  keys: [{ ...pub, kid: 'k1', alg: 'ES256' }],
});
