import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A check of a request's bearer token against `token`; without a token every request passes (loopback dev only). */
export function bearerAuthoriser(token: string | undefined): (req: IncomingMessage) => boolean {
  // Comparing fixed-length digests keeps timingSafeEqual from leaking the token's length.
  const tokenDigest = token === undefined ? undefined : digest(token);
  return (req) => {
    if (!tokenDigest) return true;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('bearer ')) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), tokenDigest);
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
