// Request and response mediation over real HTTP: header rules, path rewrites, query
// rules and backend credentials, each checked at a real upstream exactly as documented
// in gateway/POLICIES.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import type { ApiPolicies } from '../snapshot/types.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

let upstream: Upstream;
let gw: Gateway;
let secretsDir: string;

const NONE = { remove: [], rename: [], set: [], add: [] };

function withPolicies(policies: ApiPolicies, upstreamUrl = upstream.url) {
  return basicSnapshot(upstreamUrl, (b) => {
    b.apis[0]!.policies = policies;
    b.apis[0]!.operations = [
      { match: { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' }, methods: [] },
      { match: { pattern: '/', segments: [], rest: 'any' }, methods: [] },
    ];
    b.subscriptions[0]!.plan = 'gold';
  });
}

function writeSecret(namespace: string, name: string, data: Record<string, string>): void {
  const dir = path.join(secretsDir, namespace, name);
  mkdirSync(dir, { recursive: true });
  for (const [key, value] of Object.entries(data)) writeFileSync(path.join(dir, key), value);
}

beforeAll(async () => {
  secretsDir = mkdtempSync(path.join(tmpdir(), 'tollgate-secrets-'));
  writeSecret('team-a', 'backend-basic', { username: 'svc', password: 'p@ss:word\n' });
  writeSecret('team-a', 'backend-header', { value: 'static-token-123' });
  upstream = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', server: 'upstream/1.0', 'x-internal': 'secret-build-42', 'x-old': 'v' });
    res.end('ok');
  });
  gw = await startGateway(undefined, { secretsDir });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  rmSync(secretsDir, { recursive: true, force: true });
});
beforeEach(() => {
  upstream.seen.length = 0;
});

const call = (p: string, headers: Record<string, string> = {}) => send(gw.proxyPort, p, { headers: { 'x-api-key': TEST_KEY, ...headers } });

describe('request mediation reaches the upstream as documented', () => {
  const cases: Array<{
    name: string;
    policies: ApiPolicies;
    path: string;
    headers?: Record<string, string>;
    url: string;
    expect: Record<string, string | undefined>;
  }> = [
    {
      name: 'a path template with a captured parameter, a header set from variables, backend basic auth',
      policies: {
        rewrite: [{ match: { pattern: '/items/{id}', segments: ['items', '*'], rest: 'none' }, params: ['', 'id'], to: '/v2/catalogue/{id}/detail' }],
        requestHeaders: { ...NONE, set: [{ name: 'x-caller', value: '${application} on ${product} (${plan})' }] },
        backendAuth: { kind: 'basic', secret: { namespace: 'team-a', name: 'backend-basic' } },
      },
      path: '/hello/1.0.0/items/a%20b',
      url: '/v2/catalogue/a%20b/detail',
      expect: { 'x-caller': 'team-b/app on team-a/gold (gold)', authorization: 'Basic ' + Buffer.from('svc:p@ss:word').toString('base64') },
    },
    {
      name: 'a prefix rewrite keeps what follows ({**}), the query is kept',
      policies: { rewrite: [{ match: { pattern: '/legacy/**', segments: ['legacy'], rest: 'oneOrMore' }, params: [''], to: '/new{**}' }] },
      path: '/hello/1.0.0/legacy/a/b?x=1',
      url: '/new/a/b?x=1',
      expect: {},
    },
    {
      name: 'no rule matches: the path is forwarded unchanged',
      policies: { rewrite: [{ match: { pattern: '/legacy/**', segments: ['legacy'], rest: 'oneOrMore' }, params: [''], to: '/new{**}' }] },
      path: '/hello/1.0.0/other',
      url: '/other',
      expect: {},
    },
    {
      name: 'remove, rename, then add to a client header',
      policies: { requestHeaders: { remove: ['x-debug'], rename: [{ from: 'x-tenant', to: 'x-org' }], set: [], add: [{ name: 'x-org', value: 'gw' }] } },
      path: '/hello/1.0.0/x',
      headers: { 'x-debug': '1', 'x-tenant': 'acme' },
      url: '/x',
      expect: { 'x-debug': undefined, 'x-tenant': undefined, 'x-org': 'acme, gw' },
    },
    {
      name: 'query parameters set from variables and removed; a client cannot set the one the gateway sets',
      policies: { query: { remove: ['debug'], set: [{ name: 'app', value: '${application}' }] } },
      path: '/hello/1.0.0/q?debug=1&keep=yes&app=forged',
      url: '/q?keep=yes&app=team-b%2Fapp',
      expect: {},
    },
    {
      name: 'a static header from a Secret replaces what the client sent; the request id is a variable',
      policies: {
        requestHeaders: { ...NONE, set: [{ name: 'x-trace', value: 'req-${requestId}' }] },
        backendAuth: { kind: 'header', header: 'x-backend-key', secret: { namespace: 'team-a', name: 'backend-header' } },
      },
      path: '/hello/1.0.0/s',
      headers: { 'x-backend-key': 'forged' },
      url: '/s',
      expect: { 'x-backend-key': 'static-token-123' },
    },
  ];

  it.each(cases)('$name', async (c) => {
    expect(gw.applySnapshot(withPolicies(c.policies)).ok).toBe(true);
    const res = await call(c.path, c.headers);
    expect(res.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0]!;
    expect(seen.url).toBe(c.url);
    for (const [name, value] of Object.entries(c.expect)) expect(seen.headers[name], name).toBe(value);
    // The client's own credential never reaches the upstream.
    expect(seen.headers['x-api-key']).toBeUndefined();
    if (c.name.startsWith('a static header')) expect(seen.headers['x-trace']).toBe(`req-${res.headers['x-request-id']}`);
  });
});

describe('response mediation and refusals', () => {
  it('applies response header rules to the upstream answer', async () => {
    const policies: ApiPolicies = {
      responseHeaders: {
        remove: ['x-internal', 'server'],
        rename: [{ from: 'x-old', to: 'x-new' }],
        set: [{ name: 'x-served-for', value: '${application}' }],
        add: [],
      },
    };
    expect(gw.applySnapshot(withPolicies(policies)).ok).toBe(true);
    const res = await call('/hello/1.0.0/r');
    expect(res.status).toBe(200);
    expect(res.headers['x-internal']).toBeUndefined();
    expect(res.headers.server).toBeUndefined();
    expect(res.headers['x-new']).toBe('v');
    expect(res.headers['x-old']).toBeUndefined();
    expect(res.headers['x-served-for']).toBe('team-b/app');
    // Rules see the upstream's headers only: the gateway's own cannot be removed.
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses with 503 and sends nothing upstream when the backend Secret is missing', async () => {
    const policies: ApiPolicies = { backendAuth: { kind: 'basic', secret: { namespace: 'team-a', name: 'absent' } } };
    expect(gw.applySnapshot(withPolicies(policies)).ok).toBe(true);
    const res = await call('/hello/1.0.0/x');
    expect(res.status).toBe(503);
    expect(res.json().code).toBe('backend-credentials-unavailable');
    expect(res.body).not.toContain('absent');
    expect(upstream.seen).toHaveLength(0);
  });

  it('uses a rotated Secret from the next request on, without a restart', async () => {
    writeSecret('team-a', 'rotating', { value: 'one' });
    expect(gw.applySnapshot(withPolicies({ backendAuth: { kind: 'header', header: 'x-k', secret: { namespace: 'team-a', name: 'rotating' } } })).ok).toBe(true);
    await call('/hello/1.0.0/x');
    writeSecret('team-a', 'rotating', { value: 'two' });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await call('/hello/1.0.0/x');
      if (upstream.seen.at(-1)!.headers['x-k'] === 'two') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(upstream.seen[0]!.headers['x-k']).toBe('one');
    expect(upstream.seen.at(-1)!.headers['x-k']).toBe('two');
  });

  it('refuses a snapshot whose template names an unknown variable, and keeps serving the last one', () => {
    expect(gw.applySnapshot(withPolicies({})).ok).toBe(true);
    const result = gw.applySnapshot(withPolicies({ requestHeaders: { ...NONE, set: [{ name: 'x-a', value: '${user}' }] } }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join()).toContain('unknown variable ${user}');
  });
});

describe("a product operation's policies", () => {
  it("apply after the API's to that product's traffic, request and response", async () => {
    const snapshot = basicSnapshot(upstream.url, (b) => {
      b.apis[0]!.policies = {
        requestHeaders: {
          ...NONE,
          set: [
            { name: 'x-tier', value: 'api' },
            { name: 'x-api-only', value: '1' },
          ],
        },
      };
      b.products[0]!.operations = [
        {
          api: 'team-a/hello',
          paths: [{ pattern: '/gold/**', segments: ['gold'], rest: 'oneOrMore' }],
          methods: [],
          policies: {
            requestHeaders: { ...NONE, set: [{ name: 'x-tier', value: '${product}' }] },
            responseHeaders: { ...NONE, remove: ['x-internal'] },
            query: { remove: [], set: [{ name: 'tier', value: 'gold' }] },
          },
        },
        { api: 'team-a/hello', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] },
      ];
    });
    expect(gw.applySnapshot(snapshot).ok).toBe(true);
    const gold = await call('/hello/1.0.0/gold/x');
    expect(upstream.seen[0]!.headers['x-tier']).toBe('team-a/gold');
    expect(upstream.seen[0]!.headers['x-api-only']).toBe('1');
    expect(upstream.seen[0]!.url).toBe('/gold/x?tier=gold');
    expect(gold.headers['x-internal']).toBeUndefined();
    const other = await call('/hello/1.0.0/other');
    expect(upstream.seen[1]!.headers['x-tier']).toBe('api');
    expect(upstream.seen[1]!.url).toBe('/other');
    expect(other.headers['x-internal']).toBe('secret-build-42');
  });
});

describe('backend OAuth2 client credentials', () => {
  let tokenServer: http.Server;
  let tokenUrl: string;
  let issued = 0;
  let failNext = 0;
  beforeAll(async () => {
    writeSecret('team-a', 'backend-client', { clientId: 'gw-client', clientSecret: 's3cret' });
    tokenServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end();
          return;
        }
        const ok =
          req.headers.authorization === 'Basic ' + Buffer.from('gw-client:s3cret').toString('base64') && body.includes('grant_type=client_credentials');
        if (!ok) return void res.writeHead(401).end();
        issued++;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `tok-${issued}`, expires_in: 3600, token_type: 'Bearer' }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    tokenUrl = `http://127.0.0.1:${(tokenServer.address() as { port: number }).port}/token`;
  });
  afterAll(() => new Promise<void>((r) => tokenServer.close(() => r())));

  it('obtains one token, retries a failed fetch once, and reuses the token while it is valid', async () => {
    failNext = 1;
    const policies: ApiPolicies = { backendAuth: { kind: 'oauth2', tokenUrl, scopes: ['read'], secret: { namespace: 'team-a', name: 'backend-client' } } };
    expect(gw.applySnapshot(withPolicies(policies)).ok).toBe(true);
    const answers = await Promise.all([call('/hello/1.0.0/a'), call('/hello/1.0.0/b'), call('/hello/1.0.0/c')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await call('/hello/1.0.0/d');
    expect(issued).toBe(1);
    expect(upstream.seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
  });
});
