import type { JsonLimits } from '../snapshot/types.ts';

/**
 * JSON threat protection (Apigee JSONThreatProtection): one pass over the body's bytes,
 * no parse and no allocation per value, that stops at the first limit exceeded. It is
 * not a validator: malformed JSON is the upstream's (or OpenAPI validation's) to refuse.
 * String lengths are counted in bytes as sent, escapes included; keys count as strings.
 * Returns what was exceeded, or undefined.
 */
export function exceededJsonLimit(body: Uint8Array, limits: JsonLimits): string | undefined {
  // Per open container: whether it is an object, and its entries so far (-1: none seen yet, not even the first byte).
  const objects: boolean[] = [];
  const counts: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    const top = counts.length - 1;
    if (top >= 0 && c !== 0x7d && c !== 0x5d && (counts[top] === -1 || c === 0x2c)) {
      const n = counts[top] === -1 ? 1 : counts[top]! + 1;
      counts[top] = n;
      if (objects[top] ? n > limits.maxObjectKeys : n > limits.maxArrayLength) {
        return objects[top] ? `an object has more than ${limits.maxObjectKeys} keys` : `an array has more than ${limits.maxArrayLength} entries`;
      }
    }
    if (c === 0x22) {
      const start = i;
      for (i++; i < body.length && body[i] !== 0x22; i++) if (body[i] === 0x5c) i++;
      if (i - start - 1 > limits.maxStringLength) return `a string is longer than ${limits.maxStringLength} bytes`;
    } else if (c === 0x7b || c === 0x5b) {
      if (counts.length >= limits.maxDepth) return `nesting is deeper than ${limits.maxDepth}`;
      objects.push(c === 0x7b);
      counts.push(-1);
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      counts.pop();
    }
  }
  return undefined;
}
