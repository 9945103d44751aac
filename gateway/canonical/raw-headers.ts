import type { IncomingHttpHeaders } from 'node:http';

/** How often a header was sent: `req.headers` folds or drops repeats, `rawHeaders` does not. */
export function countRawHeader(rawHeaders: readonly string[], lowerName: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) n++;
  }
  return n;
}

/** Headers that must appear at most once for the request to mean one thing. */
export const SINGLE_HEADERS = ['host', 'authorization'] as const;

export function firstDuplicate(rawHeaders: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) if (countRawHeader(rawHeaders, name) > 1) return name;
  return undefined;
}

// Headers a client must not be able to set for the upstream: they would be
// believed as if the gateway had said them (who the caller is, where it came
// from, which method or URL to use instead of the real one).
const STRIPPED = new Set([
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-request-id',
  // Hop-by-hop (RFC 9110 7.6.1): they describe the client's connection, not the request.
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  // The forwarder frames the body for the upstream itself.
  'transfer-encoding',
  // Node has already answered `100-continue` to the client.
  'expect',
]);
const STRIPPED_PREFIXES = ['x-forwarded-', 'x-tollgate-'];

/**
 * The client's headers that may go to the upstream, as a new object in the client's
 * order. Left out: what the client may not say to the upstream (above), headers the
 * `Connection` header names, and `drop` and
 * `dropToo` (the credential the gateway consumed). Building a fresh object instead of
 * deleting from the request's keeps it a fast-properties object all the way to the
 * socket; a single delete would turn it into a dictionary for every later read.
 */
export function forwardableHeaders(headers: IncomingHttpHeaders, keepUpgrade: boolean, drop?: string, dropToo?: string): IncomingHttpHeaders {
  let named: string[] | undefined;
  const connection = headers.connection;
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !(keepUpgrade && name === 'upgrade')) (named ??= []).push(name);
    }
  }
  const out: IncomingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (name === drop || name === dropToo) continue;
    if (named !== undefined && named.includes(name)) continue;
    if (STRIPPED.has(name)) {
      if (!(keepUpgrade && (name === 'upgrade' || name === 'connection'))) continue;
    } else if (name.charCodeAt(0) === 0x78 /* x */ && hasStrippedPrefix(name)) {
      continue;
    }
    out[name] = headers[name];
  }
  return out;
}

function hasStrippedPrefix(name: string): boolean {
  for (const prefix of STRIPPED_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}
