import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Consumer keys and secrets. Recognisable (`tg_`/`tgs_` prefixes) and checkable
 * offline (a CRC-32 checksum at the end), so leak scanners find them and a
 * typo is told from a revoked key without a lookup; 190 random bits each.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_PREFIX = 'tg_';
export const SECRET_PREFIX = 'tgs_';

export type RandomSource = (bytes: number) => Buffer;

function base62(bytes: Buffer, length: number): string {
  let n = BigInt('0x' + (bytes.toString('hex') || '0'));
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function checksum(prefix: string, body: string): string {
  const c = crc32(Buffer.from(prefix + body));
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(c);
  return base62(buf, CHECKSUM_LENGTH);
}

function make(prefix: string, random: RandomSource): string {
  // 24 bytes (192 bits) fill 32 base-62 digits with no bias worth speaking of.
  const body = base62(random(24), BODY_LENGTH);
  return prefix + body + checksum(prefix, body);
}

/**
 * The system's CSPRNG drawn 4 KiB at a time, each byte handed out once: a key
 * costs a slice rather than a call into OpenSSL, which was a tenth of a large
 * estate's first start (80,000 keys and secrets).
 */
export function pooledRandomBytes(poolBytes = 4096): RandomSource {
  let pool = Buffer.alloc(0);
  let used = 0;
  return (bytes) => {
    if (bytes > poolBytes) return randomBytes(bytes);
    if (used + bytes > pool.length) {
      pool = randomBytes(poolBytes);
      used = 0;
    }
    const out = Buffer.from(pool.subarray(used, used + bytes));
    used += bytes;
    return out;
  };
}

export const systemRandom: RandomSource = pooledRandomBytes();

export const newConsumerKey = (random: RandomSource = systemRandom): string => make(KEY_PREFIX, random);
export const newConsumerSecret = (random: RandomSource = systemRandom): string => make(SECRET_PREFIX, random);

/** Whether a string is a well-formed Tollgate key or secret (checksum included). */
export function isWellFormed(value: string): boolean {
  const prefix = value.startsWith(SECRET_PREFIX) ? SECRET_PREFIX : value.startsWith(KEY_PREFIX) ? KEY_PREFIX : undefined;
  if (!prefix || value.length !== prefix.length + BODY_LENGTH + CHECKSUM_LENGTH) return false;
  const body = value.slice(prefix.length, prefix.length + BODY_LENGTH);
  if (![...body].every((ch) => ALPHABET.includes(ch))) return false;
  return value.slice(prefix.length + BODY_LENGTH) === checksum(prefix, body);
}

/** `sha256:<hex>`: all the data plane ever holds of a key or secret. */
export function hashCredential(value: string): string {
  return 'sha256:' + createHash('sha256').update(value).digest('hex');
}

/** The non-secret start of a key, shown in status and listings to tell keys apart. */
export function keyPrefixOf(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}
