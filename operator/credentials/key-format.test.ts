import { describe, expect, it } from 'vitest';
import { hashCredential, isWellFormed, keyPrefixOf, newConsumerKey, newConsumerSecret } from './key-format.ts';

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
