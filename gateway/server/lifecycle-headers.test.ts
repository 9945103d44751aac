import { beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../snapshot/types.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, basicSnapshot, send } from '../../test/gateway/fixtures.ts';
import { refusingPort, useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

// Deprecation (RFC 9745), Sunset (RFC 8594) and the deprecation Link on every
// answer of a Deprecated API, the gateway's own refusals included, and on a
// Retired API's 410.
const NOW = Date.parse('2026-06-15T12:00:00Z');
const h = useUpstreamAndGateway({ gateway: { clock: () => NOW }, memoryLimits: true });
let closedPort: number;
beforeAll(async () => {
  closedPort = await refusingPort();
});

const DOCS = 'https://developer.example.com/billing/v1-deprecation';
const deprecated =
  (lifecycle: Api['lifecycle'], more: (b: SnapshotBody) => void = () => {}) =>
  (b: SnapshotBody) => {
    Object.assign(b.apis[0]!, { lifecycle, deprecatedAt: '2026-01-01T00:00:00Z', sunset: '2026-12-31T00:00:00Z', deprecationLink: DOCS });
    more(b);
  };
const ALL = { deprecation: '@1767225600', sunset: 'Thu, 31 Dec 2026 00:00:00 GMT', link: `<${DOCS}>; rel="deprecation"; type="text/html"` };
const NONE = { deprecation: undefined, sunset: undefined, link: undefined };
const key = { 'x-api-key': TEST_KEY };

interface Row {
  name: string;
  change: (b: SnapshotBody) => void;
  method?: string;
  headers?: Record<string, string>;
  status: number;
  code?: string;
  expect: Record<string, string | undefined>;
}

const rows: Row[] = [
  { name: 'Deprecated, served: all three', change: deprecated('Deprecated'), headers: key, status: 200, expect: ALL },
  { name: 'Deprecated, 401', change: deprecated('Deprecated'), status: 401, code: 'credentials-missing', expect: ALL },
  { name: 'Deprecated, 403', change: deprecated('Deprecated', (b) => (b.subscriptions = [])), headers: key, status: 403, code: 'not-subscribed', expect: ALL },
  {
    name: 'Deprecated, 405',
    change: deprecated('Deprecated', (b) => (b.apis[0]!.operations = [{ match: { pattern: '/', segments: [], rest: 'any' }, methods: ['GET'] }])),
    method: 'POST',
    headers: key,
    status: 405,
    code: 'method-not-allowed',
    expect: ALL,
  },
  {
    name: 'Deprecated, 429',
    change: deprecated('Deprecated', (b) => (b.subscriptions[0]!.quota = { limit: 0, interval: 1, timeUnit: 'day' })),
    headers: key,
    status: 429,
    code: 'quota-exceeded',
    expect: ALL,
  },
  {
    name: 'Deprecated, upstream unreachable',
    change: deprecated('Deprecated', (b) => (b.apis[0]!.upstream = { ...b.apis[0]!.upstream, urls: [`http://127.0.0.1:${closedPort}`], retries: 0 })),
    headers: key,
    status: 503,
    code: 'upstream-unavailable',
    expect: ALL,
  },
  { name: 'Retired, 410: all three', change: deprecated('Retired'), headers: key, status: 410, code: 'api-retired', expect: ALL },
  {
    name: 'Deprecated without deprecatedAt: no Deprecation (RFC 9745 needs a date), Sunset still',
    change: deprecated('Deprecated', (b) => {
      delete b.apis[0]!.deprecatedAt;
      delete b.apis[0]!.deprecationLink;
    }),
    headers: key,
    status: 200,
    expect: { deprecation: undefined, sunset: ALL.sunset, link: undefined },
  },
  { name: 'Published: none', change: (b) => (b.apis[0]!.lifecycle = 'Published'), headers: key, status: 200, expect: NONE },
  { name: 'Blocked: none', change: deprecated('Blocked'), headers: key, status: 503, code: 'api-blocked', expect: NONE },
];

describe('lifecycle headers', () => {
  it.each(rows)('$name', async (row) => {
    expect(h.gw.applySnapshot(basicSnapshot(h.upstream.url, row.change)).ok).toBe(true);
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/x', { method: row.method ?? 'GET', headers: row.headers ?? {} });
    expect(res.status, res.body).toBe(row.status);
    if (row.code) expect(res.json()).toMatchObject({ code: row.code });
    for (const [name, value] of Object.entries(row.expect)) expect(res.headers[name], name).toBe(value);
  });
});
