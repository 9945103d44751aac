// The OpenAPI document at work in `tollgate dev`, over real HTTP on loopback: request
// validation in front of a real upstream (which must get the body unchanged, or
// nothing), a Prototyped API mocked from a 3.1 document, and a live edit of the document.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { devOptions } from '../test/support/dev-options.ts';
import { until } from '../test/support/wait.ts';
import { runDev, type DevServer } from './run-dev.ts';

const testdata = new URL('../operator/openapi/testdata/', import.meta.url).pathname;

const ORDERS = {
  openapi: '3.1.0',
  info: { title: 'Orders', version: 'v1' },
  paths: {
    '/orders': {
      get: {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 50 } }],
        responses: { '200': { description: 'ok' } },
      },
      post: {
        parameters: [{ name: 'X-Trace', in: 'header', required: true, schema: { type: 'string', pattern: '^[a-f0-9]{8}$' } }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['sku', 'qty'],
                properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 }, gift: { type: 'boolean' } },
              },
            },
          },
        },
        responses: { '201': { description: 'made' } },
      },
    },
  },
};

function apiYaml(upstream: string): string {
  return `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orders }
spec:
  context: /orders
  version: v1
  upstream: { urls: ['${upstream}'] }
  auth: { none: true }
  openAPI:
    validateRequests: true
    inline: |
      ${JSON.stringify(ORDERS)}
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: library }
spec:
  context: /library
  version: '2.1'
  lifecycle: Prototyped
  openAPI: { file: library/openapi.yaml }
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: quotes }
spec:
  context: /quotes
  version: v1
  lifecycle: Prototyped
  openAPI: { file: quotes.json }
`;
}

const quotes = (text: string) =>
  JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Quotes', version: 'v1' },
    paths: { '/quote': { get: { responses: { '200': { description: 'ok', content: { 'text/plain': { example: text } } } } } } },
  });

/** A POST with a chunked body (no Content-Length), which the gateway must read in full before it validates. */
function postChunked(port: number, path: string, chunks: string[], headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('tollgate dev with OpenAPI documents', () => {
  let dir: string;
  let upstream: Upstream;
  let dev: DevServer;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-openapi-'));
    mkdirSync(join(dir, 'config'));
    cpSync(join(testdata, 'library-3.1'), join(dir, 'config', 'library'), { recursive: true });
    upstream = await startUpstream();
    writeFileSync(join(dir, 'config', 'apis.yaml'), apiYaml(upstream.url));
    writeFileSync(join(dir, 'config', 'quotes.json'), quotes('Less is more.'));
    dev = await runDev(devOptions(dir));
    base = `http://127.0.0.1:${dev.gateway.proxyPort}`;
  });

  afterAll(async () => {
    await dev?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards a valid body unchanged, whether its length was declared or chunked', async () => {
    const body = '{"sku":"A-1","qty":2,"gift":true}';
    const sized = await fetch(`${base}/orders/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-trace': 'deadbeef' }, body });
    expect(sized.status).toBe(200);
    const chunked = await postChunked(dev.gateway.proxyPort, '/orders/v1/orders', ['{"sku":"A-1",', '"qty":2,"gift":true}'], {
      'content-type': 'application/json; charset=utf-8',
      'x-trace': 'deadbeef',
    });
    expect(chunked.status).toBe(200);
    expect(upstream.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/orders', body],
      ['POST', '/orders', body],
    ]);
  });

  it.each([
    {
      name: 'a body that breaks the schema: each field named by its JSON pointer',
      body: '{"sku":7,"qty":0}',
      trace: 'deadbeef',
      errors: [
        { pointer: '/body/sku', message: 'must be string' },
        { pointer: '/body/qty', message: 'must be >= 1' },
      ],
    },
    { name: 'a missing field', body: '{"sku":"A-1"}', trace: 'deadbeef', errors: [{ pointer: '/body/qty', message: "must have required property 'qty'" }] },
    { name: 'a body that is not JSON', body: '{"sku":', trace: 'deadbeef', errors: [{ pointer: '/body', message: 'is not valid JSON' }] },
    { name: 'no body at all', body: '', trace: 'deadbeef', errors: [{ pointer: '/body', message: 'a request body is required' }] },
    {
      name: 'a header parameter and the body together',
      body: '{"sku":"A-1","qty":"two"}',
      trace: 'nope',
      errors: [
        { pointer: '/header/x-trace', message: 'must match pattern "^[a-f0-9]{8}$"' },
        { pointer: '/body/qty', message: 'must be integer' },
      ],
    },
  ])('refuses $name with 400 problem+json, and the upstream sees nothing', async ({ body, trace, errors }) => {
    const before = upstream.seen.length;
    const res = await fetch(`${base}/orders/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-trace': trace }, body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { code: string; errors: unknown[] };
    expect(problem.code).toBe('request-invalid');
    expect(problem.errors).toEqual(errors);
    expect(upstream.seen.length).toBe(before);
  });

  it('checks query parameters as their declared types, and forwards the query as it came', async () => {
    const bad = await fetch(`${base}/orders/v1/orders?limit=lots`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: unknown[] }).errors).toEqual([{ pointer: '/query/limit', message: 'must be integer' }]);
    const tooMany = await fetch(`${base}/orders/v1/orders?limit=51`);
    expect(((await tooMany.json()) as { errors: unknown[] }).errors).toEqual([{ pointer: '/query/limit', message: 'must be <= 50' }]);
    const good = await fetch(`${base}/orders/v1/orders?limit=5&__proto__=x`);
    expect(good.status).toBe(200);
    expect(upstream.seen.at(-1)!.url).toBe('/orders?limit=5&__proto__=x');
  });

  it('mocks a Prototyped API from its document, with no credentials and no upstream', async () => {
    const res = await fetch(`${base}/library/2.1/books/featured`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 7, title: 'Middlemarch', isbn: '9780141439549', author: { name: 'George Eliot' } });
    const head = await fetch(`${base}/library/2.1/books`, { method: 'HEAD' });
    expect([head.status, head.headers.get('x-total-count'), await head.text()]).toEqual([200, '2', '']);
  });

  it.each([
    { name: 'an Accept it cannot meet', headers: { accept: 'text/csv' }, status: 406, code: 'not-acceptable' },
    { name: 'a status it does not declare', headers: { prefer: 'code=418' }, status: 400, code: 'mock-response-unknown' },
    { name: 'an example it does not have', headers: { prefer: 'example=three' }, status: 400, code: 'mock-response-unknown' },
  ])('refuses $name', async ({ headers, status, code }) => {
    const res = await fetch(`${base}/library/2.1/books`, { headers });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { code: string }).code).toBe(code);
  });

  it('validates an operation that opts in (x-tollgate-validate) before the mock answers', async () => {
    const bad = await fetch(`${base}/library/2.1/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"","isbn":"12","pages":3}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['/body/pages', '/body/title', '/body/isbn']);
    const good = await fetch(`${base}/library/2.1/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"Emma","isbn":"9780141439587"}',
    });
    expect(good.status).toBe(201);
    expect(good.headers.get('location')).toBe('/books/3');
  });

  it('serves an edit of a file the document refers to, and of a JSON document, which the YAML watch does not see', async () => {
    const components = join(dir, 'config', 'library', 'components.yaml');
    writeFileSync(components, readFileSync(components, 'utf8').replace('examples: [The Dispossessed]', 'examples: [The Word for World Is Forest]'));
    await until(
      'the edited schema example is served',
      async () => {
        const book = (await (await fetch(`${base}/library/2.1/books/1`)).json()) as { title: string };
        return book.title === 'The Word for World Is Forest' ? true : undefined;
      },
      5_000,
      25,
    );
    expect(await (await fetch(`${base}/quotes/v1/quote`)).text()).toBe('Less is more.');
    writeFileSync(join(dir, 'config', 'quotes.json'), quotes('More is more.'));
    await until(
      'the edited JSON document is served',
      async () => ((await (await fetch(`${base}/quotes/v1/quote`)).text()) === 'More is more.' ? true : undefined),
      5_000,
      25,
    );
  });

  it('serves an edit of the document itself, as it serves edits of the YAML', async () => {
    const file = join(dir, 'config', 'library', 'openapi.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Middlemarch', 'title: Persuasion'));
    await until(
      'the edited example is served',
      async () => {
        const book = (await (await fetch(`${base}/library/2.1/books/featured`)).json()) as { title: string };
        return book.title === 'Persuasion' ? true : undefined;
      },
      5_000,
      25,
    );
  });
});
