import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenValue, type Token } from '../../gateway/sources/token.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A check of a request's bearer token against `token` (read anew each time, so a
 * rotated Secret takes effect); without a token every request passes (loopback dev only).
 */
export function bearerAuthoriser(token: Token | undefined): (req: IncomingMessage) => boolean {
  // Comparing fixed-length digests keeps timingSafeEqual from leaking the token's length.
  let known: { token: string; digest: Buffer } | undefined;
  return (req) => {
    const current = tokenValue(token);
    if (current === undefined) return token === undefined;
    if (known?.token !== current) known = { token: current, digest: digest(current) };
    const tokenDigest = known.digest;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('bearer ')) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), tokenDigest);
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
