import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.ts';
import { OpenApiStage } from '../openapi/openapi-stage.ts';
import { DirectorySource } from '../sources/directory-source.ts';
import { limitsInWords } from './limits-in-words.ts';
import { portalView } from './portal-view.ts';

const examples = join(import.meta.dirname, '../../examples');

function exampleView() {
  const dirs = ['hello-world', 'weather', 'pricing-tiers'].map((d) => join(examples, d));
  const { resources } = new DirectorySource(dirs, { defaultNamespace: 'default' }).load();
  const result = compile(resources, { now: new Date('2026-01-01T00:00:00Z'), secrets: 'dev' });
  return portalView(resources, result, { gatewayOrigin: 'http://127.0.0.1:8080' });
}

describe('portalView', () => {
  it('lists the examples products with plans in words, access and APIs', () => {
    const view = exampleView();
    const hello = view.products.find((p) => p.id === 'platform/hello-world')!;
    expect(hello.plans.map((p) => [p.name, p.inWords])).toEqual([
      ['Gold', '5,000 requests a minute'],
      ['Bronze', '1,000 requests a minute'],
    ]);
    expect(hello.defaultPlan).toBe('Bronze');
    expect(hello.apis).toEqual([
      { id: 'platform/hello-world', displayName: 'HelloWorld', version: '1.0.0', lifecycle: 'Published', operations: ['any method /'] },
    ]);
    const partner = view.products.find((p) => p.id === 'platform/weather-partner')!;
    expect([partner.access, partner.allowedNamespaces, partner.approvalType]).toEqual(['private', ['platform', 'weather-team'], 'manual']);
    expect(partner.plans[0]!.inWords).toBe('100,000 requests a month; at most 50 a second (bursts of 100)');
    expect(view.products.find((p) => p.id === 'platform/weather-free')!.plans[0]!.inWords).toBe('10 requests every 2 hours');
  });

  it("shows an MCP product's endpoint and tools, the write tool marked with its scope", () => {
    const { resources } = new DirectorySource([join(examples, 'weather-mcp')], { defaultNamespace: 'default' }).load();
    const result = compile(resources, { now: new Date('2026-01-01T00:00:00Z'), secrets: 'dev' });
    const view = portalView(resources, result, { gatewayOrigin: 'http://127.0.0.1:8080/' });
    expect(view.products.find((p) => p.id === 'platform/weather-agents')!.mcp).toEqual({
      endpoint: 'http://127.0.0.1:8080/mcp/platform/weather-agents',
      tools: [
        { name: 'current_weather', description: 'The weather in a city right now.', destructive: false },
        { name: 'forecast', description: "Tomorrow's forecast for a city.", destructive: false },
      ],
    });
    expect(view.products.find((p) => p.id === 'platform/weather-alerts')!.mcp!.tools.find((t) => t.name === 'raise_alert')).toEqual({
      name: 'raise_alert',
      description: 'Raise a severe-weather alert for a city.',
      destructive: true,
      scope: 'alerts:write',
    });
    // Without MCP, no section.
    expect(exampleView().products.every((p) => p.mcp === undefined)).toBe(true);
  });

  it('carries subscription phases and application credentials from the statuses', () => {
    const view = exampleView();
    expect(view.subscriptions.map((s) => [s.id, s.phase])).toEqual([
      ['greetings/greetings-hello-world', 'Active'],
      ['weather-team/weatherapp-weather-free', 'Active'],
      ['weather-team/weatherapp-weather-partner', 'PendingApproval'],
    ]);
    expect(view.applications.map((a) => [a.id, a.credentials.map((c) => c.name)])).toEqual([
      ['greetings/greetings', ['default']],
      ['weather-team/weatherapp', ['default']],
    ]);
  });

  it('gives every routed API a reference document with the gateway as its server', () => {
    const hello = exampleView().apis.find((a) => a.id === 'platform/hello-world')!;
    expect(hello.docs.document).toMatchObject({ openapi: '3.1.0', servers: [{ url: 'http://127.0.0.1:8080/hello/1.0.0' }], paths: { '/': { get: {} } } });
    expect(hello.products).toEqual(['platform/hello-world']);
  });

  it("takes an API's own OpenAPI document from the compiler's docs bundle, its server at the gateway", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-view-'));
    try {
      const doc = JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'Pets', version: '1' },
        servers: [{ url: 'http://internal:9000' }],
        paths: { '/pets': { get: { responses: { 200: { description: 'ok' } } } } },
      });
      writeFileSync(
        join(dir, 'api.yaml'),
        `apiVersion: tollgate.dev/v1alpha1\nkind: API\nmetadata: { name: pets, namespace: p }\nspec:\n  context: /pets\n  version: v1\n  upstream: { urls: ['http://127.0.0.1:1'] }\n  openAPI: { inline: '${doc}' }\n`,
      );
      const update = await new OpenApiStage({ files: true }).attach(new DirectorySource([dir], { defaultNamespace: 'default' }).load());
      const result = compile(update.resources, { now: new Date('2026-01-01T00:00:00Z'), secrets: 'dev' });
      const api = portalView(update.resources, result, { gatewayOrigin: 'https://api.example.com' }).apis[0]!;
      expect(api.docs.document).toMatchObject({
        info: { title: 'Pets' },
        servers: [{ url: 'https://api.example.com/pets/v1' }],
        paths: { '/pets': { get: {} } },
      });
      expect(JSON.stringify(api.docs.document)).not.toContain('internal:9000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ limit: 1, interval: 1, timeUnit: 'day' as const }, undefined, '1 request a day'],
    [undefined, { requests: 5, per: 'second' as const, burst: 10 }, 'at most 5 a second (bursts of 10)'],
    [undefined, undefined, 'unlimited requests'],
    [{ limit: 2500, interval: 3, timeUnit: 'month' as const }, undefined, '2,500 requests every 3 months'],
  ])('limitsInWords(%j, %j) = %s', (quota, rate, words) => {
    expect(limitsInWords(quota, rate)).toBe(words);
  });
});
