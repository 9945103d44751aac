// The CLI as a platform team's CI runs it: the real bin/tollgate in a child process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tollgateCli as cli } from '../test/support/tollgate-cli.ts';
import { describe, expect, it } from 'vitest';

const BROKEN = `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: bad-api
  namespace: team-a
spec:
  context: hello
  version: 1.0.0
  upstream:
    urls: [http://127.0.0.1:9]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata:
  name: orphan
  namespace: team-a
spec:
  operations:
    - api: missing-api
`;

const BYO_KEY = `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata:
  name: partner
  namespace: team-a
spec:
  owner: { email: partner@team-a.example }
  credentials:
    - name: vault
      secretRef: { name: partner-key }
`;

describe('tollgate validate', () => {
  it('passes on examples/', async () => {
    const r = await cli('validate', 'examples/');
    expect(r.stdout).toContain('0 error(s)');
    expect(r.code).toBe(0);
  });

  it('fails on broken objects, naming file, line, object and field for each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-validate-'));
    writeFileSync(join(dir, 'broken.yaml'), BROKEN);
    const r = await cli('validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(dir, 'broken.yaml')}:7:3: error SchemaViolation: API team-a/bad-api: spec.context:`);
    expect(r.stdout).toContain(
      `${join(dir, 'broken.yaml')}:19:7: error RefNotFound: APIProduct team-a/orphan: spec.operations[0].api: API team-a/missing-api not found`,
    );
    expect(r.stdout).toContain('2 error(s)');
  });

  it('notes a bring-your-own key Secret, which is never in git, and passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-validate-'));
    writeFileSync(join(dir, 'app.yaml'), BYO_KEY);
    const r = await cli('validate', dir);
    expect(r.stdout).toContain(
      `${join(dir, 'app.yaml')}:10:7: note RefNotChecked: Application team-a/partner: spec.credentials[0].secretRef: Secret team-a/partner-key is not checked outside a cluster`,
    );
    expect(r.stdout).toContain('0 error(s), 0 warning(s)');
    expect(r.code).toBe(0);
  });

  it('reports JSON with --output json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-validate-'));
    writeFileSync(join(dir, 'broken.yaml'), BROKEN);
    const r = await cli('validate', dir, '--output', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(false);
    expect(report.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'SchemaViolation', field: 'spec.context', line: 7, object: { kind: 'API', namespace: 'team-a', name: 'bad-api' } }),
    );
  });
});

describe('tollgate plan', () => {
  it('shows weatherapp reaching GET /forecastrss through weather_free with quota 10 per 2 hours', async () => {
    const r = await cli('plan', 'examples/', '--output', 'json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    const app = plan.access.find((a: { application: string }) => a.application === 'weather-team/weatherapp');
    const sub = app.subscriptions.find((s: { product: string }) => s.product === 'platform/weather-free');
    expect(sub.phase).toBe('Active');
    // The example product declares scopes and opts in to API keys.
    expect(sub.apiKeys).toBe('Allowed');
    expect(sub.operations).toEqual([
      {
        api: 'platform/weatherapi',
        basePaths: ['/weatherapikey/v1'],
        paths: ['/forecastrss'],
        methods: ['GET'],
        environments: ['test'],
        quota: { limit: 10, interval: 2, timeUnit: 'hour' },
        quotaScope: 'product',
      },
    ]);
    const pending = app.subscriptions.find((s: { product: string }) => s.product === 'platform/weather-partner');
    expect(pending.phase).toBe('PendingApproval');
    expect(plan.routes.map((r: { basePath: string }) => r.basePath)).toEqual([
      '/bookshop/0.1',
      '/hello',
      '/hello/1.0.0',
      '/inventory/v1',
      '/maps/v1',
      '/weather/v1',
      '/weatherapikey/v1',
    ]);
    // Which operations came from where: the bookshop's from its OpenAPI document, mocked.
    expect(plan.operations.find((o: { api: string }) => o.api === 'prototypes/bookshop')).toEqual({
      api: 'prototypes/bookshop',
      source: 'document',
      mock: true,
      operations: [
        { methods: ['GET'], path: '/books', operationId: 'listBooks', validated: true },
        { methods: ['POST'], path: '/books', operationId: 'addBook', validated: true },
        { methods: ['GET'], path: '/books/{bookId}', operationId: 'getBook', validated: true },
      ],
    });
    expect(plan.operations.find((o: { api: string }) => o.api === 'platform/hello-world')).toMatchObject({ source: 'spec', mock: false });
  });

  it('renders a text table', async () => {
    const r = await cli('plan', 'examples/');
    expect(r.stdout).toMatch(/-> platform\/weather-free \[Active\] quota 10 per 2 hours/);
    expect(r.stdout).toMatch(/GET \/weatherapikey\/v1 \/forecastrss in test/);
  });
});
