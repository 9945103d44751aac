import { randomUUID } from 'node:crypto';

const DIGITS = 12;
const ZEROS = '0'.repeat(DIGITS);

/**
 * Request ids (`X-Request-Id`, the access log's `reqId`): 36 characters shaped like a
 * UUID, the first 24 a random UUID's, drawn once per source, the last 12 a hexadecimal
 * counter. Unique within a gateway process by the counter, across processes and replicas
 * by the 92 random bits; a third of the CPU of a random UUID each. Not a secret: an id
 * names a request in logs, it grants nothing.
 */
export function requestIds(random: () => string = randomUUID): () => string {
  let prefix = random().slice(0, 36 - DIGITS);
  let next = 0;
  return () => {
    if (next === 2 ** (4 * DIGITS)) {
      prefix = random().slice(0, 36 - DIGITS);
      next = 0;
    }
    const hex = (next++).toString(16);
    return prefix + ZEROS.slice(hex.length) + hex;
  };
}
