import { describe, expect, it } from 'vitest';
import { loadSigningKeys, signingKeyAt } from '../../gateway/tokens/signing-keys.ts';
import { generateKey, publicKeys, rotateRing, type RotationPolicy } from './signing-key-policy.ts';

const hour = 3600_000;
const policy: RotationPolicy = { rotateAfterMs: 24 * hour, prePublishMs: hour, accessTokenTtlSeconds: 3600, toleranceMs: 60_000, alg: 'ES256' };
const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);

/** Walks the policy hour by hour and says, at each step, which kids are published and which one signs. */
function walk(hours: number[], options: { force?: number[] } = {}) {
  let ring = rotateRing(undefined, at(0), policy, generateKey).ring;
  const names = new Map<string, string>();
  const name = (kid: string) => names.get(kid) ?? (names.set(kid, `k${names.size + 1}`), names.get(kid)!);
  ring.keys.forEach((k) => name(k.kid));
  return hours.map((h) => {
    ring = rotateRing(ring, at(h * hour), policy, generateKey, { force: options.force?.includes(h) ?? false }).ring;
    const loaded = loadSigningKeys(ring);
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const published = publicKeys(ring).map((k) => String(k.kid));
    const signer = signingKeyAt(loaded.ring, new Set(published), t0 + h * hour);
    return { h, published: published.map(name), signs: signer && name(signer.kid) };
  });
}

describe('rotateRing', () => {
  it('makes a first key that signs at once', () => {
    const { ring, changed } = rotateRing(undefined, at(0), policy, generateKey);
    expect(changed).toBe(true);
    expect(ring.keys).toHaveLength(1);
    expect(ring.keys[0]!.activateAt).toBe(at(0).toISOString());
  });

  it('publishes a successor ahead of use and unpublishes the old key after its last token expires', () => {
    expect(walk([1, 22.9, 23, 23.5, 24, 25, 25.01, 25.02, 47, 48])).toEqual([
      { h: 1, published: ['k1'], signs: 'k1' },
      { h: 22.9, published: ['k1'], signs: 'k1' },
      // Due at 24 h, made an hour early: published, not signing.
      { h: 23, published: ['k1', 'k2'], signs: 'k1' },
      { h: 23.5, published: ['k1', 'k2'], signs: 'k1' },
      { h: 24, published: ['k1', 'k2'], signs: 'k2' },
      // k1's last token (signed just before 24 h) lives until 25 h, plus a minute of tolerance.
      { h: 25, published: ['k1', 'k2'], signs: 'k2' },
      { h: 25.01, published: ['k1', 'k2'], signs: 'k2' },
      { h: 25.02, published: ['k2'], signs: 'k2' },
      { h: 47, published: ['k2', 'k3'], signs: 'k2' },
      { h: 48, published: ['k2', 'k3'], signs: 'k3' },
    ]);
  });

  it('rotates early when forced, still publishing first', () => {
    expect(walk([2, 2.5, 3], { force: [2] })).toEqual([
      { h: 2, published: ['k1', 'k2'], signs: 'k1' },
      { h: 2.5, published: ['k1', 'k2'], signs: 'k1' },
      { h: 3, published: ['k1', 'k2'], signs: 'k2' },
    ]);
  });

  it('reports no change when nothing is due', () => {
    const first = rotateRing(undefined, at(0), policy, generateKey).ring;
    expect(rotateRing(first, at(hour), policy, generateKey).changed).toBe(false);
  });

  it('never publishes a private part', () => {
    const { ring } = rotateRing(undefined, at(0), { ...policy, alg: 'EdDSA' }, generateKey);
    expect(publicKeys(ring)).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: ring.keys[0]!.kid, alg: 'EdDSA', use: 'sig' }]);
  });
});

describe('signingKeyAt', () => {
  it('does not sign with a key the gateway does not publish yet', () => {
    const { ring } = rotateRing(undefined, at(0), policy, generateKey);
    const loaded = loadSigningKeys(ring);
    expect(loaded.ok && signingKeyAt(loaded.ring, new Set(), t0)).toBeUndefined();
  });

  it.each([
    ['a wrong schema', (r: Record<string, unknown>) => ({ ...r, schema: 'x' }), '/schema must be equal to constant'],
    [
      'a key of another algorithm',
      (r: Record<string, unknown>) => ({ ...r, keys: (r.keys as Array<Record<string, unknown>>).map((k) => ({ ...k, alg: 'EdDSA' })) }),
      '/keys/0/jwk is not a EdDSA key',
    ],
    [
      'a public key only',
      (r: Record<string, unknown>) => ({
        ...r,
        keys: (r.keys as Array<Record<string, unknown>>).map((k) => ({ ...k, jwk: { ...(k.jwk as object), d: undefined } })),
      }),
      "/keys/0/jwk must have required property 'd'",
    ],
  ])('refuses a ring with %s', (_name, change, message) => {
    const { ring } = rotateRing(undefined, at(0), policy, generateKey);
    const result = loadSigningKeys(JSON.parse(JSON.stringify(change(ring as never))));
    expect(result).toEqual({ ok: false, errors: [message] });
  });
});
