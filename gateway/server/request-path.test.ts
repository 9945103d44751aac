import { describe, expect, it } from 'vitest';

import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, api, application, basicSnapshot, keyHash, product, send, subscription } from '../../test/gateway/fixtures.ts';
import { useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

// Routing, lifecycle, authentication and authorisation, one row per rule. Each row
// applies its own snapshot to one gateway (a reload per row) and sends one request.
const NOW = Date.parse('2026-06-15T12:00:00Z');

const h = useUpstreamAndGateway({ gateway: { environment: 'prod', clock: () => NOW } });

interface Row {
  name: string;
  change?: (body: SnapshotBody) => void;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  status: number;
  code?: string;
  upstreamUrl?: string;
  responseHeaders?: Record<string, string>;
  upstreamHeaders?: Record<string, string | undefined>;
}

const key = { 'x-api-key': TEST_KEY };
const ops = (paths: Array<[string, string[], 'none' | 'oneOrMore' | 'any']>, methods: string[] = []) => [
  { api: 'team-a/hello', paths: paths.map(([pattern, segments, rest]) => ({ pattern, segments, rest })), methods },
];

const rows: Row[] = [
  { name: 'versioned base path', path: '/hello/1.0.0', headers: key, status: 200, upstreamUrl: '/' },
  { name: 'base path with trailing slash', path: '/hello/1.0.0/', headers: key, status: 200, upstreamUrl: '/' },
  { name: 'default version', path: '/hello/x', headers: key, status: 200, upstreamUrl: '/x' },
  {
    name: 'upstream URL path is prefixed',
    change: (b) => (b.apis[0]!.upstream.urls = [`${h.upstream.url}/backend/v1/`]),
    path: '/hello/1.0.0/items/7?a=1',
    headers: key,
    status: 200,
    upstreamUrl: '/backend/v1/items/7?a=1',
  },
  {
    name: 'host-specific route wins over *',
    change: (b) => {
      b.apis.push(api({ name: 'other', upstreamUrl: `${h.upstream.url}/other`, auth: { required: false, oauth2: false, issuers: [] } }));
      b.routes.push({ host: 'other.test', basePath: '/hello', api: 'team-a/other' });
    },
    path: '/hello/x',
    headers: { ...key, host: 'other.test:8080' },
    status: 200,
    upstreamUrl: '/other/x',
  },
  {
    name: 'other hosts fall back to *',
    change: (b) => {
      b.apis.push(api({ name: 'other', upstreamUrl: `${h.upstream.url}/other`, auth: { required: false, oauth2: false, issuers: [] } }));
      b.routes.push({ host: 'other.test', basePath: '/hello', api: 'team-a/other' });
    },
    path: '/hello/x',
    headers: { ...key, host: 'else.test' },
    status: 200,
    upstreamUrl: '/x',
  },
  { name: 'unknown path', path: '/nope', headers: key, status: 404, code: 'route-not-found' },
  {
    name: 'declared operation with a template',
    change: (b) => (b.apis[0]!.operations = [{ match: { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' }, methods: ['GET'] }]),
    path: '/hello/1.0.0/items/42',
    headers: key,
    status: 200,
    upstreamUrl: '/items/42',
  },
  {
    name: 'undeclared operation',
    change: (b) => (b.apis[0]!.operations = [{ match: { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' }, methods: ['GET'] }]),
    path: '/hello/1.0.0/items/42/secret',
    headers: key,
    status: 404,
    code: 'operation-not-found',
  },
  {
    name: 'declared operation, other method',
    change: (b) => (b.apis[0]!.operations = [{ match: { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' }, methods: ['GET'] }]),
    path: '/hello/1.0.0/items/42',
    method: 'DELETE',
    headers: key,
    status: 405,
    code: 'method-not-allowed',
    responseHeaders: { allow: 'GET, HEAD' },
  },
  {
    name: 'Prototyped: no credential needed',
    change: (b) => {
      b.apis[0]!.lifecycle = 'Prototyped';
      b.apis[0]!.auth.required = false;
    },
    path: '/hello/1.0.0/x',
    status: 200,
    upstreamUrl: '/x',
    upstreamHeaders: { 'x-tollgate-application': undefined },
  },
  {
    name: 'Deprecated: served with Deprecation and Sunset',
    change: (b) => {
      b.apis[0]!.lifecycle = 'Deprecated';
      b.apis[0]!.deprecatedAt = '2026-01-01T00:00:00Z';
      b.apis[0]!.sunset = '2026-12-31T00:00:00Z';
    },
    path: '/hello/1.0.0/x',
    headers: key,
    status: 200,
    upstreamUrl: '/x',
    responseHeaders: { deprecation: '@1767225600', sunset: 'Thu, 31 Dec 2026 00:00:00 GMT' },
  },
  { name: 'Retired: 410', change: (b) => (b.apis[0]!.lifecycle = 'Retired'), path: '/hello/1.0.0/x', headers: key, status: 410, code: 'api-retired' },
  { name: 'Blocked: 503', change: (b) => (b.apis[0]!.lifecycle = 'Blocked'), path: '/hello/1.0.0/x', headers: key, status: 503, code: 'api-blocked' },
  {
    name: 'API not deployed to this environment',
    change: (b) => (b.apis[0]!.environments = ['test']),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 404,
    code: 'route-not-found',
  },
  { name: 'API deployed to this environment', change: (b) => (b.apis[0]!.environments = ['test', 'prod']), path: '/hello/1.0.0/x', headers: key, status: 200 },
  {
    name: 'product not in this environment',
    change: (b) => (b.products[0]!.environments = ['test']),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 403,
    code: 'not-subscribed',
  },
  { name: 'missing key', path: '/hello/1.0.0/x', status: 401, code: 'credentials-missing' },
  { name: 'empty key', path: '/hello/1.0.0/x', headers: { 'x-api-key': '' }, status: 401, code: 'credentials-invalid' },
  {
    name: 'key in query where the API has no query parameter',
    path: `/hello/1.0.0/x?apikey=${TEST_KEY}`,
    status: 401,
    code: 'credentials-missing',
  },
  {
    name: 'custom key header',
    change: (b) => (b.apis[0]!.auth.apiKey = { header: 'apikey' }),
    path: '/hello/1.0.0/x',
    headers: { apikey: TEST_KEY },
    status: 200,
    upstreamHeaders: { apikey: undefined },
  },
  {
    name: 'revoked credential',
    change: (b) => (b.applications[0]!.credentials[0]!.revoked = true),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 401,
    code: 'credentials-revoked',
  },
  {
    name: 'expired credential (gateway clock)',
    change: (b) => (b.applications[0]!.credentials[0]!.expiresAt = '2026-06-15T11:59:59Z'),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 401,
    code: 'credentials-expired',
  },
  {
    name: 'credential not yet expired',
    change: (b) => (b.applications[0]!.credentials[0]!.expiresAt = '2026-06-15T12:00:01Z'),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 200,
  },
  {
    name: 'second credential during rotation',
    change: (b) => b.applications[0]!.credentials.push({ name: 'next', keyHash: keyHash('rotated-key'), revoked: false }),
    path: '/hello/1.0.0/x',
    headers: { 'x-api-key': 'rotated-key' },
    status: 200,
    upstreamHeaders: { 'x-tollgate-credential': 'next' },
  },
  {
    name: 'suspended application',
    change: (b) => (b.applications[0]!.suspended = 'Application'),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 403,
    code: 'application-suspended',
  },
  {
    name: 'suspended owner',
    change: (b) => (b.applications[0]!.suspended = 'Owner'),
    path: '/hello/1.0.0/x',
    headers: key,
    status: 403,
    code: 'application-suspended',
  },
  { name: 'no subscription', change: (b) => (b.subscriptions = []), path: '/hello/1.0.0/x', headers: key, status: 403, code: 'not-subscribed' },
  {
    name: 'product path / covers the base path',
    change: (b) => (b.products[0]!.operations = ops([['/', [], 'any']])),
    path: '/hello/1.0.0',
    headers: key,
    status: 200,
  },
  {
    name: 'product path /** needs one more segment',
    change: (b) => (b.products[0]!.operations = ops([['/**', [], 'oneOrMore']])),
    path: '/hello/1.0.0',
    headers: key,
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'product path /* covers one segment',
    change: (b) => (b.products[0]!.operations = ops([['/*', ['*'], 'none']])),
    path: '/hello/1.0.0/a',
    headers: key,
    status: 200,
  },
  {
    name: 'product path /* does not cover two',
    change: (b) => (b.products[0]!.operations = ops([['/*', ['*'], 'none']])),
    path: '/hello/1.0.0/a/b',
    headers: key,
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'literal product path covers only itself',
    change: (b) => (b.products[0]!.operations = ops([['/a/b', ['a', 'b'], 'none']])),
    path: '/hello/1.0.0/a/b/c',
    headers: key,
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'product methods',
    change: (b) => (b.products[0]!.operations = ops([['/', [], 'any']], ['GET'])),
    path: '/hello/1.0.0/a',
    method: 'POST',
    headers: key,
    status: 405,
    code: 'method-not-allowed',
    responseHeaders: { allow: 'GET, HEAD' },
  },
  {
    name: 'first covering subscription wins (snapshot order)',
    change: (b) => {
      b.products.push(product({ id: 'team-a/silver', name: 'silver', operations: ops([['/', [], 'any']]) }));
      b.products[0]!.operations = ops([['/gold-only', ['gold-only'], 'none']]);
      b.subscriptions = [
        subscription({ id: 'team-b/app-gold', plan: 'gold-plan' }),
        subscription({ id: 'team-b/app-silver', product: 'team-a/silver', plan: 'silver-plan' }),
      ];
    },
    path: '/hello/1.0.0/other',
    headers: key,
    status: 200,
    upstreamHeaders: { 'x-tollgate-product': 'team-a/silver', 'x-tollgate-plan': 'silver-plan', 'x-tollgate-application': 'team-b/app' },
  },
  {
    name: 'subscription of another application does not count',
    change: (b) => {
      b.applications.push(application('other-key', { id: 'team-c/other', namespace: 'team-c', name: 'other' }));
      b.subscriptions = [subscription({ id: 'team-c/sub', application: 'team-c/other' })];
    },
    path: '/hello/1.0.0/x',
    headers: key,
    status: 403,
    code: 'not-subscribed',
  },
];

describe('the request path', () => {
  it.each(rows)('$name', async (row) => {
    const applied = h.gw.applySnapshot(basicSnapshot(h.upstream.url, row.change));
    expect(applied.ok).toBe(true);
    const res = await send(h.gw.proxyPort, row.path, { method: row.method ?? 'GET', headers: row.headers ?? {} });
    expect(res.status, res.body).toBe(row.status);
    if (row.code) {
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.json()).toMatchObject({ code: row.code, status: row.status, type: `https://tollgate.dev/problems/${row.code}` });
    }
    for (const [name, value] of Object.entries(row.responseHeaders ?? {})) expect(res.headers[name]).toBe(value);
    if (row.status >= 400) {
      expect(h.upstream.seen).toHaveLength(0);
      return;
    }
    expect(h.upstream.seen).toHaveLength(1);
    if (row.upstreamUrl) expect(h.upstream.seen[0]!.url).toBe(row.upstreamUrl);
    for (const [name, value] of Object.entries(row.upstreamHeaders ?? {})) expect(h.upstream.seen[0]!.headers[name]).toBe(value);
  });
});
