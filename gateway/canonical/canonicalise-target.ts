// The one place where a request target becomes the path the gateway routes,
// authorises and forwards. It never repairs: anything that two parsers could
// read differently (the classic gateway bypasses) is refused, so what is
// authorised is byte for byte what the upstream receives.

export type CanonicalTarget = {
  ok: true;
  /** The path exactly as received; it is already canonical or it would have been refused. */
  path: string;
  /** Everything after the first `?`, without it; undefined when there is no `?`. */
  query: string | undefined;
  /** Percent-decoded segments after the leading `/`; `/` alone gives `[]`, a trailing `/` gives a last `''`. */
  segments: string[];
};

export type TargetRejection = { ok: false; reason: RejectReason };

export type RejectReason =
  | 'not-origin-form'
  | 'fragment'
  | 'invalid-character'
  | 'path-parameter'
  | 'bad-percent-encoding'
  | 'encoded-delimiter'
  | 'encoded-unreserved'
  | 'dot-segment'
  | 'empty-segment'
  | 'invalid-utf8';

const ALLOWED = 1; // may appear raw in a path segment
const QUERY_ONLY = 2; // may appear raw in the query

const table = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,=:@") {
  table[c.charCodeAt(0)] = ALLOWED | QUERY_ONLY;
}
// `;` is a path parameter to Tomcat, Spring and Jetty: a segment that is two things at once.
table[';'.charCodeAt(0)] = QUERY_ONLY;
table['/'.charCodeAt(0)] = QUERY_ONLY;
table['?'.charCodeAt(0)] = QUERY_ONLY;

/**
 * Bytes that must not be percent-encoded in a path: a decoder upstream would turn them into
 * structure (`/`, `\`, `.`, `;`, `?`, `#`), into a second round of decoding (`%`), into
 * terminators (controls, NUL), or they are unreserved and have exactly one spelling.
 */
function forbiddenEncoded(byte: number): RejectReason | undefined {
  if (byte < 0x20 || byte === 0x7f) return 'encoded-delimiter';
  switch (byte) {
    case 0x2f: // /
    case 0x5c: // \
    case 0x2e: // .
    case 0x25: // %
    case 0x3b: // ;
    case 0x3f: // ?
    case 0x23: // #
      return 'encoded-delimiter';
  }
  if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x5f || byte === 0x7e) {
    return 'encoded-unreserved';
  }
  return undefined;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

export function canonicaliseTarget(target: string): CanonicalTarget | TargetRejection {
  if (target.charCodeAt(0) !== 0x2f) return { ok: false, reason: 'not-origin-form' };
  // `//host/x` is a network-path reference to URL parsers: never a path.
  if (target.charCodeAt(1) === 0x2f) return { ok: false, reason: 'empty-segment' };

  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? undefined : target.slice(q + 1);

  let needsDecoding = false;
  let segmentStart = 1;
  const rawSegments: string[] = [];
  for (let i = 1; i <= path.length; i++) {
    const code = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (code === 0x2f) {
      const segment = path.slice(segmentStart, i);
      if (segment === '.' || segment === '..') return { ok: false, reason: 'dot-segment' };
      if (segment === '' && i < path.length) return { ok: false, reason: 'empty-segment' };
      rawSegments.push(segment);
      segmentStart = i + 1;
      continue;
    }
    if (code === 0x25) {
      const hi = hexValue(path.charCodeAt(i + 1));
      const lo = hexValue(path.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return { ok: false, reason: 'bad-percent-encoding' };
      const reason = forbiddenEncoded(hi * 16 + lo);
      if (reason) return { ok: false, reason };
      needsDecoding = true;
      i += 2;
      continue;
    }
    if (code === 0x23) return { ok: false, reason: 'fragment' };
    if (code === 0x3b) return { ok: false, reason: 'path-parameter' };
    if (code >= 128 || (table[code]! & ALLOWED) === 0) return { ok: false, reason: 'invalid-character' };
  }

  if (query !== undefined) {
    for (let i = 0; i < query.length; i++) {
      const code = query.charCodeAt(i);
      if (code === 0x25) {
        if (hexValue(query.charCodeAt(i + 1)) < 0 || hexValue(query.charCodeAt(i + 2)) < 0) {
          return { ok: false, reason: 'bad-percent-encoding' };
        }
        i += 2;
        continue;
      }
      if (code === 0x23) return { ok: false, reason: 'fragment' };
      if (code >= 128 || (table[code]! & QUERY_ONLY) === 0) return { ok: false, reason: 'invalid-character' };
    }
  }

  // `/` alone is the root: no segments, so that `/` and the base path match alike.
  if (rawSegments.length === 1 && rawSegments[0] === '') rawSegments.length = 0;
  let segments = rawSegments;
  if (needsDecoding) {
    segments = [];
    for (const raw of rawSegments) {
      try {
        segments.push(raw.includes('%') ? decodeURIComponent(raw) : raw);
      } catch {
        return { ok: false, reason: 'invalid-utf8' };
      }
    }
  }
  return { ok: true, path, query, segments };
}
