import { describe, expect, it } from 'vitest';
import { hashCredential, isWellFormed, keyPrefixOf, newConsumerKey, newConsumerSecret, pooledRandomBytes } from './key-format.ts';

describe('credential format', () => {
  it('makes recognisable, checkable keys and secrets', () => {
    const key = newConsumerKey();
    const secret = newConsumerSecret();
    expect(key).toMatch(/^tg_[0-9A-Za-z]{38}$/);
    expect(secret).toMatch(/^tgs_[0-9A-Za-z]{38}$/);
    expect(isWellFormed(key)).toBe(true);
    expect(isWellFormed(secret)).toBe(true);
    expect(newConsumerKey()).not.toBe(key);
  });

  it('is deterministic for an injected random source', () => {
    const zeros = (n: number) => Buffer.alloc(n, 7);
    expect(newConsumerKey(zeros)).toBe(newConsumerKey(zeros));
  });

  // Keys minted before the base-62 conversion was rewritten: the same bytes must still make the same key, and keep checking out.
  it.each([
    ['zeros', 0x00, 'tg_000000000000000000000000000000003hOmhk', 'tgs_000000000000000000000000000000000lVOZH'],
    ['all bits set', 0xff, 'tg_lFA6LboL2xx0ldQH2K1TdSrwuqMMiME32PFlch', 'tgs_lFA6LboL2xx0ldQH2K1TdSrwuqMMiME31lkaGe'],
    ['sevens', 0x07, 'tg_4hRzgefUy8S7YcHUrJGoeiJTKldGueU32PAIsA', 'tgs_4hRzgefUy8S7YcHUrJGoeiJTKldGueU31lqBTB'],
  ])('makes the same key and secret as before from %s', (_name, byte, key, secret) => {
    const random = (n: number) => Buffer.alloc(n, byte);
    expect([newConsumerKey(random), newConsumerSecret(random)]).toEqual([key, secret]);
    expect(isWellFormed(key) && isWellFormed(secret)).toBe(true);
  });

  it.each([
    ['one character changed', (k: string) => k.slice(0, 10) + (k[10] === 'a' ? 'b' : 'a') + k.slice(11)],
    ['truncated', (k: string) => k.slice(0, -1)],
    ['another prefix', (k: string) => 'xx_' + k.slice(3)],
    ['a character outside the alphabet', (k: string) => k.slice(0, 5) + '-' + k.slice(6)],
  ])('rejects a key with %s', (_name, mangle) => {
    expect(isWellFormed(mangle(newConsumerKey()))).toBe(false);
  });

  it('hashes without revealing and prefixes without the secret part', () => {
    const key = newConsumerKey();
    expect(hashCredential(key)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashCredential(key)).not.toContain(key.slice(3));
    expect(keyPrefixOf(key)).toBe(key.slice(0, 9));
  });
});

describe('pooledRandomBytes', () => {
  it('hands out each byte of its pool once, across refills and oversized draws', () => {
    const random = pooledRandomBytes(64);
    const draws = Array.from({ length: 40 }, (_, i) => random(i % 3 === 0 ? 24 : i % 3 === 1 ? 100 : 7));
    expect(draws.map((d) => d.length)).toEqual(Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 24 : i % 3 === 1 ? 100 : 7)));
    // 24-byte draws from a CSPRNG never repeat; a reused slice of the pool would.
    const small = draws.filter((d) => d.length === 24).map((d) => d.toString('hex'));
    expect(new Set(small).size).toBe(small.length);
    // A draw is a copy: changing it leaves the next draw alone.
    const a = random(24);
    a.fill(0);
    expect(random(24).equals(Buffer.alloc(24))).toBe(false);
  });
});
