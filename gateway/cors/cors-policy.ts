import type { Cors } from '../snapshot/types.ts';
import { methodAllowed } from '../router/path-match.ts';

/**
 * Response headers the gateway itself adds; a script on another origin can read
 * them only when they are exposed, and the try-out console needs the limits.
 */
const GATEWAY_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'Deprecation', 'Sunset', 'Link'];

/** RFC 9110 token: what a header name may be, so that a bad name can never make a header value invalid. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One host label, as a wildcard's `*` stands for (like a TLS wildcard certificate). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** An API's `cors`, turned once per snapshot into what a request is checked against. */
export interface CorsPolicy {
  exact: ReadonlySet<string>;
  /** `https://*.example.com:8443` as `https://` and `.example.com:8443`. */
  wildcards: ReadonlyArray<{ scheme: string; suffix: string }>;
  any: boolean;
  /** Empty: every method. */
  methods: readonly string[];
  /** Lower-case; `*` in the list: every header. */
  headers: ReadonlySet<string>;
  anyHeader: boolean;
  credentials: boolean;
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  maxAge: string;
}

export function compileCorsPolicy(cors: Cors): CorsPolicy {
  const exact = new Set<string>();
  const wildcards: Array<{ scheme: string; suffix: string }> = [];
  let any = false;
  for (const raw of cors.allowOrigins) {
    const origin = raw.toLowerCase();
    if (origin === '*') {
      any = true;
      continue;
    }
    const hostAt = origin.indexOf('://') + 3;
    if (hostAt > 3 && origin.startsWith('*.', hostAt)) wildcards.push({ scheme: origin.slice(0, hostAt), suffix: origin.slice(hostAt + 1) });
    else exact.add(origin);
  }
  const allowHeaders = cors.allowHeaders.filter((h) => TOKEN.test(h));
  const headers = new Set(allowHeaders.map((h) => h.toLowerCase()));
  const exposed = new Map<string, string>();
  for (const h of [...cors.exposeHeaders, ...GATEWAY_HEADERS]) if (TOKEN.test(h) && !exposed.has(h.toLowerCase())) exposed.set(h.toLowerCase(), h);
  return {
    exact,
    wildcards,
    any,
    methods: cors.allowMethods,
    headers,
    anyHeader: headers.has('*'),
    credentials: cors.allowCredentials,
    allowMethods: cors.allowMethods.join(', '),
    allowHeaders: allowHeaders.join(', '),
    exposeHeaders: [...exposed.values()].join(', '),
    maxAge: String(cors.maxAgeSeconds),
  };
}

/** `explicit` for a listed origin or wildcard rule, `any` for the `*` rule alone. */
export function matchOrigin(policy: CorsPolicy, origin: string): 'explicit' | 'any' | undefined {
  if (policy.exact.has(origin)) return 'explicit';
  for (const { scheme, suffix } of policy.wildcards) {
    if (origin.length > scheme.length + suffix.length && origin.startsWith(scheme) && origin.endsWith(suffix)) {
      if (LABEL.test(origin.slice(scheme.length, origin.length - suffix.length))) return 'explicit';
    }
  }
  return policy.any ? 'any' : undefined;
}

/** Whether a request is a CORS preflight (Fetch standard §3.2.2), which carries no credential. */
export function isPreflight(method: string | undefined, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}

function allowOriginHeaders(policy: CorsPolicy, origin: string, match: 'explicit' | 'any'): Record<string, string> {
  // Credentials go only with an origin that was named: never with the `*` rule.
  if (match === 'explicit')
    return policy.credentials
      ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' }
      : { 'access-control-allow-origin': origin };
  return { 'access-control-allow-origin': '*' };
}

/** The CORS headers of every answer that is not a preflight: gateway refusals as much as upstream responses. */
export function corsResponseHeaders(policy: CorsPolicy, origin: string | undefined): Record<string, string> {
  const match = origin === undefined ? undefined : matchOrigin(policy, origin);
  if (match === undefined) return { vary: 'Origin' };
  return { vary: 'Origin', ...allowOriginHeaders(policy, origin!, match), 'access-control-expose-headers': policy.exposeHeaders };
}

export type PreflightOutcome = { ok: true; headers: Record<string, string> } | { ok: false; reason: string };

export function answerPreflight(policy: CorsPolicy, origin: string, requestMethod: string, requestHeaders: string | undefined): PreflightOutcome {
  const match = matchOrigin(policy, origin);
  if (match === undefined) return { ok: false, reason: 'the origin is not allowed' };
  if (!methodAllowed(policy.methods, requestMethod)) return { ok: false, reason: `the method ${requestMethod} is not allowed` };
  const asked = (requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (!policy.anyHeader) {
    const refused = asked.find((h) => !policy.headers.has(h));
    if (refused !== undefined) return { ok: false, reason: `the header ${refused} is not allowed` };
  }
  const headers: Record<string, string> = {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    ...allowOriginHeaders(policy, origin, match),
    'access-control-allow-methods': policy.methods.length ? policy.allowMethods : requestMethod,
    'access-control-max-age': policy.maxAge,
  };
  const allowHeaders = policy.anyHeader ? asked.join(', ') : policy.allowHeaders;
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  return { ok: true, headers };
}
