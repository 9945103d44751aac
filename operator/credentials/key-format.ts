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

/**
 * The last `length` base-62 digits of the big-endian number `bytes`, by long
 * division on 32-bit limbs in plain numbers: the digits BigInt arithmetic
 * gives at under half the cost, which was most of issuing 80,000 keys.
 */
function base62(bytes: Buffer, length: number): string {
  const limbs: number[] = [];
  const head = bytes.length % 4;
  if (head) limbs.push(bytes.readUIntBE(0, head));
  for (let i = head; i < bytes.length; i += 4) limbs.push(bytes.readUInt32BE(i));
  const digits = new Array<string>(length);
  for (let d = length - 1; d >= 0; d--) {
    let rest = 0;
    for (let i = 0; i < limbs.length; i++) {
      // Below 62 * 2^32, so exact in a double.
      const v = rest * 4294967296 + limbs[i]!;
      limbs[i] = Math.floor(v / 62);
      rest = v - limbs[i]! * 62;
    }
    digits[d] = ALPHABET[rest]!;
  }
  return digits.join('');
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
