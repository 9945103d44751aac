import { beforeAll, describe, expect, it } from 'vitest';
import type { Cors } from '../snapshot/types.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, api, basicSnapshot, send } from '../../test/gateway/fixtures.ts';
import { refusingPort, useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

// CORS as a browser needs it, over real HTTP: preflights answered before any
// credential check, exact and whole-label wildcard origins, and the allow headers
// on every answer to an allowed origin, the gateway's own refusals included.
const NOW = Date.parse('2026-06-15T12:00:00Z');
const h = useUpstreamAndGateway({
  upstream: (req, res) => {
    // An upstream with a CORS answer of its own, which a gateway-owned policy must replace.
    const own = req.headers['x-upstream-cors']
      ? { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'X-Internal' }
      : {};
    res.writeHead(200, { 'content-type': 'text/plain', vary: 'Accept-Encoding', 'content-length': 2, ...own });
    res.end('ok');
  },
  gateway: { clock: () => NOW },
  memoryLimits: true,
});
let closedPort: number;
beforeAll(async () => {
  closedPort = await refusingPort();
});

const APP = 'https://app.example.com';
const policy: Cors = {
  allowOrigins: [APP, 'https://*.tenant.example'],
  allowMethods: ['DELETE', 'GET', 'POST'],
  allowHeaders: ['x-api-key', 'Content-Type'],
  exposeHeaders: ['X-Trace'],
  allowCredentials: true,
  maxAgeSeconds: 600,
};
// A `*` rule with credentials cannot come from the compiler; a hand-written snapshot must still never pair them.
const anyOrigin: Cors = { allowOrigins: ['*'], allowMethods: [], allowHeaders: ['*'], exposeHeaders: [], allowCredentials: true, maxAgeSeconds: 0 };

function withCors(cors: Cors | undefined, more: (b: SnapshotBody) => void = () => {}) {
  return (b: SnapshotBody) => {
    if (cors) b.apis[0]!.cors = cors;
    more(b);
  };
}

const preflight = (origin: string, method: string, headers?: string): Record<string, string> => ({
  origin,
  'access-control-request-method': method,
  ...(headers ? { 'access-control-request-headers': headers } : {}),
});

interface Row {
  name: string;
  change: (b: SnapshotBody) => void;
  method: string;
  headers: Record<string, string>;
  status: number;
  code?: string;
  /** Expected values; undefined: the header must be absent. */
  expect: Record<string, string | undefined>;
  /** Response headers that must contain these comma-separated names. */
  lists?: Record<string, string[]>;
  upstreamHit?: boolean;
}

const NO_CORS = { 'access-control-allow-origin': undefined, 'access-control-allow-credentials': undefined, 'access-control-allow-methods': undefined };
const allowedTo = (origin: string) => ({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
const exposed = ['X-Trace', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'];

const rows: Row[] = [
  {
    name: 'preflight, allowed origin, method and headers: 204 without a credential',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(APP, 'POST', 'Content-Type, X-API-Key'),
    status: 204,
    expect: {
      ...allowedTo(APP),
      'access-control-allow-methods': 'DELETE, GET, POST',
      'access-control-allow-headers': 'x-api-key, Content-Type',
      'access-control-max-age': '600',
    },
    lists: { vary: ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'] },
  },
  {
    name: 'preflight, no requested headers',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(APP, 'DELETE'),
    status: 204,
    expect: allowedTo(APP),
  },
  {
    name: 'preflight, HEAD where GET is allowed',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(APP, 'HEAD'),
    status: 204,
    expect: allowedTo(APP),
  },
  {
    name: 'preflight, disallowed origin',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('https://evil.example', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
    lists: { vary: ['Origin'] },
  },
  {
    name: 'preflight, origin that only starts like an allowed one',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(`${APP}.evil.example`, 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, allowed origin with another port',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(`${APP}:8443`, 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, the null origin',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('null', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, disallowed method',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(APP, 'PUT'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, disallowed header',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight(APP, 'GET', 'x-api-key, x-secret'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, wildcard rule: one label',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('https://acme.tenant.example', 'GET'),
    status: 204,
    expect: allowedTo('https://acme.tenant.example'),
  },
  {
    name: 'preflight, wildcard rule: not two labels',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('https://a.b.tenant.example', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, wildcard rule: not the bare domain',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('https://tenant.example', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, wildcard rule: not a longer label',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('https://eviltenant.example', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, wildcard rule: not another scheme',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: preflight('http://acme.tenant.example', 'GET'),
    status: 403,
    code: 'cors-preflight-refused',
    expect: NO_CORS,
  },
  {
    name: 'preflight, * rule: any origin, never with credentials; empty lists allow what is asked',
    change: withCors(anyOrigin),
    method: 'OPTIONS',
    headers: preflight('https://anyone.example', 'PATCH', 'x-api-key, x-custom'),
    status: 204,
    expect: {
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': undefined,
      'access-control-allow-methods': 'PATCH',
      'access-control-allow-headers': 'x-api-key, x-custom',
      'access-control-max-age': '0',
    },
  },
  {
    name: 'preflight on an API without cors: not answered (the credential check refuses it)',
    change: withCors(undefined),
    method: 'OPTIONS',
    headers: preflight(APP, 'GET'),
    status: 401,
    code: 'credentials-missing',
    expect: NO_CORS,
  },
  {
    name: 'OPTIONS without Access-Control-Request-Method is an ordinary request',
    change: withCors(policy),
    method: 'OPTIONS',
    headers: { origin: APP },
    status: 401,
    code: 'credentials-missing',
    expect: allowedTo(APP),
  },
  {
    name: 'actual request, allowed origin: allow, credentials, exposed headers, Vary merged with the upstream',
    change: withCors(policy),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 200,
    expect: allowedTo(APP),
    lists: { 'access-control-expose-headers': exposed, vary: ['Accept-Encoding', 'Origin'] },
    upstreamHit: true,
  },
  {
    name: 'actual request, disallowed origin: served, no CORS headers, Vary still says Origin',
    change: withCors(policy),
    method: 'GET',
    headers: { origin: 'https://evil.example', 'x-api-key': TEST_KEY },
    status: 200,
    expect: { ...NO_CORS, 'access-control-expose-headers': undefined },
    lists: { vary: ['Accept-Encoding', 'Origin'] },
    upstreamHit: true,
  },
  {
    name: "actual request, disallowed origin: the upstream's own Access-Control-* headers are dropped",
    change: withCors(policy),
    method: 'GET',
    headers: { origin: 'https://evil.example', 'x-api-key': TEST_KEY, 'x-upstream-cors': '1' },
    status: 200,
    expect: { ...NO_CORS, 'access-control-expose-headers': undefined },
    upstreamHit: true,
  },
  {
    name: "actual request, allowed origin: the gateway's answer, not the upstream's",
    change: withCors(policy),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY, 'x-upstream-cors': '1' },
    status: 200,
    expect: allowedTo(APP),
    lists: { 'access-control-expose-headers': exposed },
    upstreamHit: true,
  },
  {
    name: "API without cors: the upstream's own CORS headers pass",
    change: withCors(undefined),
    method: 'GET',
    headers: { origin: 'https://evil.example', 'x-api-key': TEST_KEY, 'x-upstream-cors': '1' },
    status: 200,
    expect: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' },
    upstreamHit: true,
  },
  {
    name: 'actual request without Origin: Vary says Origin',
    change: withCors(policy),
    method: 'GET',
    headers: { 'x-api-key': TEST_KEY },
    status: 200,
    expect: NO_CORS,
    lists: { vary: ['Origin'] },
    upstreamHit: true,
  },
  {
    name: 'actual request, * rule with credentials configured: *, never credentials',
    change: withCors(anyOrigin),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 200,
    expect: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': undefined },
    upstreamHit: true,
  },
  {
    name: '401 carries the CORS headers',
    change: withCors(policy),
    method: 'GET',
    headers: { origin: APP },
    status: 401,
    code: 'credentials-missing',
    expect: allowedTo(APP),
    lists: { 'access-control-expose-headers': exposed, vary: ['Origin'] },
  },
  {
    name: '403 carries the CORS headers',
    change: withCors(policy, (b) => (b.subscriptions = [])),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 403,
    code: 'not-subscribed',
    expect: allowedTo(APP),
  },
  {
    name: '405 carries the CORS headers',
    change: withCors(policy, (b) => (b.apis[0]!.operations = [{ match: { pattern: '/', segments: [], rest: 'any' }, methods: ['GET'] }])),
    method: 'POST',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 405,
    code: 'method-not-allowed',
    expect: { ...allowedTo(APP), allow: 'GET, HEAD' },
  },
  {
    name: '429 carries the CORS headers and the RateLimit headers it exposes',
    change: withCors(policy, (b) => (b.subscriptions[0]!.quota = { limit: 0, interval: 1, timeUnit: 'day' })),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 429,
    code: 'quota-exceeded',
    expect: allowedTo(APP),
    lists: { 'access-control-expose-headers': exposed, 'ratelimit-policy': ['"quota";q=0;w=86400'] },
  },
  {
    name: '410 of a Retired API carries the CORS headers; its preflight is answered',
    change: withCors(policy, (b) => (b.apis[0]!.lifecycle = 'Retired')),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 410,
    code: 'api-retired',
    expect: allowedTo(APP),
  },
  {
    name: 'upstream failure carries the CORS headers',
    change: withCors(policy, (b) => (b.apis[0]!.upstream = { ...b.apis[0]!.upstream, urls: [`http://127.0.0.1:${closedPort}`], retries: 0 })),
    method: 'GET',
    headers: { origin: APP, 'x-api-key': TEST_KEY },
    status: 503,
    code: 'upstream-unavailable',
    expect: allowedTo(APP),
    upstreamHit: false,
  },
];

function names(value: string | string[] | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((n) => n.trim());
}

describe('CORS at the gateway', () => {
  it.each(rows)('$name', async (row) => {
    expect(h.gw.applySnapshot(basicSnapshot(h.upstream.url, row.change)).ok).toBe(true);
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/items', { method: row.method, headers: row.headers });
    expect(res.status, res.body).toBe(row.status);
    if (row.code) expect(res.json()).toMatchObject({ code: row.code });
    if (row.status === 204) expect(res.body).toBe('');
    for (const [name, value] of Object.entries(row.expect)) expect(res.headers[name], name).toBe(value);
    for (const [name, wanted] of Object.entries(row.lists ?? {})) expect(names(res.headers[name]), name).toEqual(expect.arrayContaining(wanted));
    expect(h.upstream.seen).toHaveLength(row.upstreamHit ? 1 : 0);
  });

  it('answers the preflight of a Retired API, so that the browser can read the 410', async () => {
    expect(
      h.gw.applySnapshot(
        basicSnapshot(
          h.upstream.url,
          withCors(policy, (b) => (b.apis[0]!.lifecycle = 'Retired')),
        ),
      ).ok,
    ).toBe(true);
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/items', { method: 'OPTIONS', headers: preflight(APP, 'GET', 'x-api-key') });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('only the API with cors answers preflights; another on the same gateway does not', async () => {
    const applied = h.gw.applySnapshot(
      basicSnapshot(h.upstream.url, (b) => {
        b.apis[0]!.cors = policy;
        b.apis.push(api({ name: 'plain', upstreamUrl: h.upstream.url }));
        b.routes.push({ host: '*', basePath: '/plain', api: 'team-a/plain' });
      }),
    );
    expect(applied.ok).toBe(true);
    const res = await send(h.gw.proxyPort, '/plain/items', { method: 'OPTIONS', headers: preflight(APP, 'GET') });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
  });
});
