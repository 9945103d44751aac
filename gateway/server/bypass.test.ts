import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import { TEST_KEY, api, basicSnapshot, sendRaw, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// Every classic way of making a gateway and an upstream disagree about which
// resource is asked for. The product grants /public and below, never /admin.
let upstream: Upstream;
let gw: Gateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(
    basicSnapshot(upstream.url, (body) => {
      body.apis = [
        api({ upstreamUrl: upstream.url, auth: { required: true, apiKey: { header: 'x-api-key', queryParameter: 'apikey' }, oauth2: false, issuers: [] } }),
      ];
      body.products[0]!.operations = [
        {
          api: 'team-a/hello',
          paths: [
            { pattern: '/public', segments: ['public'], rest: 'none' },
            { pattern: '/public/**', segments: ['public'], rest: 'oneOrMore' },
          ],
          methods: ['GET', 'POST'],
        },
      ];
    }),
  );
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

function raw(target: string, headers = `x-api-key: ${TEST_KEY}\r\n`, method = 'GET', host = 'Host: gw.test\r\n'): string {
  return `${method} ${target} HTTP/1.1\r\n${host}${headers}Connection: close\r\n\r\n`;
}

interface Row {
  name: string;
  request: string;
  status: number;
  code?: string;
  /** What the upstream must have received, or null when nothing may reach it. */
  upstreamUrl: string | null;
  upstreamBody?: string;
}

const rows: Row[] = [
  { name: 'allowed path, forwarded exactly', request: raw('/hello/1.0.0/public/x?a=1&b=%2F'), status: 200, upstreamUrl: '/public/x?a=1&b=%2F' },
  { name: 'default version', request: raw('/hello/public'), status: 200, upstreamUrl: '/public' },
  { name: 'not granted', request: raw('/hello/1.0.0/admin'), status: 403, code: 'not-subscribed', upstreamUrl: null },
  { name: 'dot segments', request: raw('/hello/1.0.0/public/../admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'dot segment at the base', request: raw('/hello/1.0.0/public/../../admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'single dot', request: raw('/hello/1.0.0/./admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'encoded dot segments', request: raw('/hello/1.0.0/public/%2e%2e/admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'mixed encoded dots', request: raw('/hello/1.0.0/public/.%2E/admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'double-encoded dots', request: raw('/hello/1.0.0/public/%252e%252e/admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'encoded slash', request: raw('/hello/1.0.0/public%2f..%2fadmin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'encoded backslash', request: raw('/hello/1.0.0/public%5c..%5cadmin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'raw backslash', request: raw('/hello/1.0.0/public\\..\\admin'), status: 400, upstreamUrl: null },
  { name: 'double slash', request: raw('/hello/1.0.0//admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'leading double slash', request: raw('//hello/1.0.0/public'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'path parameter', request: raw('/hello/1.0.0/public/..;/admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'jsessionid parameter', request: raw('/hello/1.0.0/public;jsessionid=x'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'encoded NUL', request: raw('/hello/1.0.0/public%00/admin'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  { name: 'raw NUL', request: raw('/hello/1.0.0/public\u0000/admin'), status: 400, upstreamUrl: null },
  { name: 'fragment', request: raw('/hello/1.0.0/public#/../admin'), status: 400, upstreamUrl: null },
  { name: 'absolute-form target', request: raw('http://gw.test/hello/1.0.0/public'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  {
    name: 'absolute-form to another host',
    request: raw('http://127.0.0.1:1/hello/1.0.0/public'),
    status: 400,
    code: 'invalid-request-target',
    upstreamUrl: null,
  },
  { name: 'encoded unreserved', request: raw('/hello/1.0.0/%70ublic'), status: 400, code: 'invalid-request-target', upstreamUrl: null },
  {
    name: 'duplicate Host',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nHost: other.test\r\n`),
    status: 400,
    upstreamUrl: null,
  },
  {
    name: 'duplicate API key header',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nX-Api-Key: other\r\n`),
    status: 400,
    code: 'duplicate-header',
    upstreamUrl: null,
  },
  {
    name: 'duplicate Authorization',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nAuthorization: Basic a\r\nAuthorization: Basic b\r\n`),
    status: 400,
    code: 'duplicate-header',
    upstreamUrl: null,
  },
  {
    name: 'key in header and query',
    request: raw(`/hello/1.0.0/public?apikey=${TEST_KEY}`),
    status: 400,
    code: 'ambiguous-credentials',
    upstreamUrl: null,
  },
  {
    name: 'key twice in query',
    request: raw(`/hello/1.0.0/public?apikey=${TEST_KEY}&apikey=other`, ''),
    status: 400,
    code: 'ambiguous-credentials',
    upstreamUrl: null,
  },
  { name: 'key in query is stripped', request: raw(`/hello/1.0.0/public?a=1&apikey=${TEST_KEY}&b=2`, ''), status: 200, upstreamUrl: '/public?a=1&b=2' },
  { name: 'no key', request: raw('/hello/1.0.0/public', ''), status: 401, code: 'credentials-missing', upstreamUrl: null },
  { name: 'unknown key', request: raw('/hello/1.0.0/public', 'x-api-key: nope\r\n'), status: 401, code: 'credentials-invalid', upstreamUrl: null },
  {
    name: 'method override is not obeyed',
    request: raw(
      '/hello/1.0.0/public',
      `x-api-key: ${TEST_KEY}\r\nX-HTTP-Method-Override: DELETE\r\nX-Method-Override: DELETE\r\nX-HTTP-Method: DELETE\r\nContent-Length: 0\r\n`,
      'POST',
    ),
    status: 200,
    upstreamUrl: '/public',
  },
  {
    name: 'method not granted',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\n`, 'DELETE'),
    status: 405,
    code: 'method-not-allowed',
    upstreamUrl: null,
  },
  {
    name: 'client forwarding and identity headers are dropped',
    request: raw(
      '/hello/1.0.0/public',
      `x-api-key: ${TEST_KEY}\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Host: admin.internal\r\nForwarded: for=10.0.0.1\r\nX-Original-URL: /admin\r\nX-Rewrite-URL: /admin\r\nX-Tollgate-Application: team-z/root\r\nX-Real-IP: 10.0.0.1\r\n`,
    ),
    status: 200,
    upstreamUrl: '/public',
  },
  // Request smuggling: the gateway and the upstream must agree on where a body ends.
  // The gateway refuses ambiguous framing and frames every body it forwards itself.
  {
    name: 'Content-Length together with Transfer-Encoding',
    request:
      raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n`, 'POST') +
      `0\r\n\r\nGET /hello/1.0.0/admin HTTP/1.1\r\nHost: gw.test\r\n\r\n`,
    status: 400,
    upstreamUrl: null,
  },
  {
    name: 'two different Content-Length values',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nContent-Length: 5\r\nContent-Length: 40\r\n`, 'POST') + 'hello',
    status: 400,
    upstreamUrl: null,
  },
  {
    name: 'a transfer coding other than chunked last',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nTransfer-Encoding: chunked, identity\r\n`, 'POST') + '5\r\nhello\r\n0\r\n\r\n',
    status: 400,
    upstreamUrl: null,
  },
  {
    name: 'a chunked body is forwarded framed again, never as the client framed it',
    request: raw('/hello/1.0.0/public', `x-api-key: ${TEST_KEY}\r\nTransfer-Encoding: chunked\r\n`, 'POST') + '5\r\nhello\r\n0\r\n\r\n',
    status: 200,
    upstreamUrl: '/public',
    upstreamBody: 'hello',
  },
  { name: 'unknown route', request: raw('/nothing/here'), status: 404, code: 'route-not-found', upstreamUrl: null },
  { name: 'prefix is not a segment', request: raw('/hellox/public'), status: 404, code: 'route-not-found', upstreamUrl: null },
  { name: 'version prefix is not a segment either', request: raw('/hello/1.0.0x/public'), status: 403, code: 'not-subscribed', upstreamUrl: null },
];

describe('request targets and headers that try to bypass authorisation', () => {
  it.each(rows)('$name', async (row) => {
    const res = await sendRaw(gw.proxyPort, row.request);
    expect(res.status).toBe(row.status);
    if (row.status >= 400) expect(res.headers['content-type']).toBe('application/problem+json');
    if (row.code) expect(res.json().code).toBe(row.code);
    if (row.upstreamUrl === null) {
      expect(upstream.seen).toHaveLength(0);
      return;
    }
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0]!;
    expect(seen.url).toBe(row.upstreamUrl);
    if (row.upstreamBody !== undefined) expect(seen.body).toBe(row.upstreamBody);
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.method).toBe(row.request.split(' ')[0]);
    expect(seen.headers['x-http-method-override']).toBeUndefined();
    expect(seen.headers['x-method-override']).toBeUndefined();
    expect(seen.headers['x-original-url']).toBeUndefined();
    expect(seen.headers['x-rewrite-url']).toBeUndefined();
    expect(seen.headers['forwarded']).toBeUndefined();
    expect(seen.headers['x-real-ip']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('gw.test');
    expect(seen.headers['x-tollgate-application']).toBe('team-b/app');
    expect(seen.headers['x-tollgate-product']).toBe('team-a/gold');
    expect(JSON.stringify(seen.headers)).not.toContain(TEST_KEY);
  });
});
