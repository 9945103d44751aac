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

/**
 * Headers that claim what only a proxy in front of the upstream may say: the
 * client's address, the original path, method or host, or an authenticated
 * identity. Upstreams and their frameworks believe them, so none is ever
 * forwarded from a client; the gateway sets its own X-Forwarded-*, X-Request-Id
 * and X-Tollgate-* afterwards. A name ending in `*` is a prefix: every header
 * starting so. The list is documented in FORWARDED-HEADERS.md beside this file.
 */
export const CLIENT_CLAIM_HEADERS: readonly string[] = [
  // The client's address, and the host and scheme it used.
  'forwarded', // RFC 7239
  'x-forwarded-*', // -For, -Host, -Proto, -Port, -Prefix, -Uri, -User, -Email, ...
  'x-real-ip', // nginx
  'true-client-ip', // Akamai, Cloudflare Enterprise
  'cf-connecting-ip', // Cloudflare
  'cf-connecting-ipv6', // Cloudflare
  'fastly-client-ip', // Fastly
  'x-cluster-client-ip', // Rackspace, Riverbed
  'x-client-ip', // Apache mod_remoteip, various
  'client-ip', // various
  'x-originating-ip', // Microsoft
  'x-remote-ip', // various
  'x-remote-addr', // various
  // The original path, method or host, in place of the real ones.
  'x-original-url', // IIS, Symfony
  'x-rewrite-url', // IIS, Symfony
  'x-original-uri', // nginx auth_request
  'x-original-path', // various
  'x-original-host', // Azure Front Door, Application Gateway
  'x-original-method', // nginx auth_request
  'x-http-method-override', // Google, Express method-override
  'x-http-method', // OData
  'x-method-override', // IBM
  'x-envoy-*', // Envoy: -original-path, -external-address, -internal, ...
  'x-request-id', // the gateway's own request id
  // An identity someone has already authenticated.
  'x-remote-user', // Apache, nginx
  'remote-user', // CGI-style
  'x-authenticated-user', // various
  'x-authenticated-userid', // Kong
  'x-credential-identifier', // Kong
  'x-anonymous-consumer', // Kong
  'x-consumer-*', // Kong: -id, -username, -custom-id, -groups
  'x-auth-request-*', // oauth2-proxy: -user, -email, -groups, -access-token
  'x-user', // various
  'x-userinfo', // Kong OIDC, Envoy
  'x-jwt-assertion', // WSO2
  'x-wso2-*', // WSO2
  'x-apigee-*', // Apigee
  'x-ms-client-principal*', // Azure App Service: the principal, -name, -id, -idp
  'x-amzn-oidc-*', // AWS ALB: -data, -identity, -accesstoken
  'x-goog-authenticated-user-*', // Google IAP: -email, -id
  'x-tollgate-*', // the gateway's own identity headers
];

// Hop-by-hop (RFC 9110 7.6.1) and framing headers: they describe the client's
// connection, not the request.
const CONNECTION_HEADERS = [
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
];

const STRIPPED = new Set([...CLIENT_CLAIM_HEADERS.filter((name) => !name.endsWith('*')), ...CONNECTION_HEADERS]);
const STRIPPED_PREFIXES = CLIENT_CLAIM_HEADERS.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1));
/** First characters of the prefixes: most header names are let through on one comparison. */
const PREFIX_STARTS = new Set(STRIPPED_PREFIXES.map((prefix) => prefix.charCodeAt(0)));

/**
 * The client's headers that may go to the upstream, as a new object in the client's
 * order. Left out: what the client may not claim (above), the connection's own
 * headers, headers the `Connection` header names, and `drop` and `dropToo` (the
 * credential the gateway consumed). Building a fresh object instead of
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
    } else if (PREFIX_STARTS.has(name.charCodeAt(0)) && hasStrippedPrefix(name)) {
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
