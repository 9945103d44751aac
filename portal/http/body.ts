import type { IncomingMessage } from 'node:http';
import { PortalError } from '../backend/portal-error.ts';

const MAX_BODY = 64 * 1024;

/** A form (urlencoded) or JSON body as a flat record, at most 64 KiB and read within 10 s. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => req.destroy(new Error('body timeout')), 10_000);
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new PortalError(413, 'body-too-large', `the request body is over ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    clearTimeout(timer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new PortalError(400, 'invalid-json', `the body is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PortalError(400, 'invalid-json', 'the body must be a JSON object');
    return parsed as Record<string, unknown>;
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  throw new PortalError(415, 'unsupported-media-type', 'send application/x-www-form-urlencoded or application/json');
}
