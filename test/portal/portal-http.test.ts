import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_OPENAPI } from '../../portal/api/openapi.ts';
import { apiRoutes } from '../../portal/server/api-routes.ts';
import { PortalClient } from './portal-client.ts';
import { startPortalEstate, type PortalEstate } from './portal-estate.ts';

// The portal of a real `tollgate dev` over HTTP: visibility, team isolation, CSRF, the JSON API and its YAML.
let estate: PortalEstate;
beforeAll(async () => {
  estate = await startPortalEstate();
});
afterAll(async () => {
  await estate?.close();
});

describe('portal over HTTP (tollgate dev)', () => {
  it('serves the catalogue without JavaScript, with security headers and sanitised Markdown', async () => {
    const anon = new PortalClient(estate.portalUrl);
    const res = await anon.request('GET', '/?q=echo');
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
    // Anonymous visitors see public products only.
    expect(page).toContain('Echo Basic');
    expect(page).toContain('Echo for Partners');
    expect(page).not.toContain('Team B Private Echo');
    expect(page).not.toContain('Internal Echo');
    expect(page).toContain('<em>instant</em>');
    const api = await (await anon.request('GET', '/apis/platform/echo')).text();
    expect(api).toContain('<strong>every</strong>');
    expect(api).not.toContain('<script>alert');
  });

  it.each([
    ['team-a', ['team-a'], ['Echo Basic', 'Echo for Partners'], ['Team B Private Echo', 'Internal Echo']],
    ['team-b', ['team-b'], ['Echo Basic', 'Team B Private Echo'], ['Internal Echo']],
  ])('lists what %s may see', async (_name, teams, shown, hidden) => {
    const c = new PortalClient(estate.portalUrl);
    await c.signInLocal(`dev@${teams[0]}.example`, teams);
    const { products, total } = (await (await c.request('GET', '/api/products')).json()) as { products: Array<{ displayName: string }>; total: number };
    expect(total).toBe(products.length);
    const paged = (await (await c.request('GET', '/api/products?limit=1&offset=1')).json()) as { products: Array<{ displayName: string }>; total: number };
    expect([paged.total, paged.products.map((p) => p.displayName)]).toEqual([total, [products[1]!.displayName]]);
    const names = products.map((p) => p.displayName);
    for (const s of shown) expect(names).toContain(s);
    for (const h of hidden) expect(names).not.toContain(h);
  });

  it('lets team A open its internal product by name but not team B', async () => {
    const a = new PortalClient(estate.portalUrl);
    await a.signInLocal('a@a.example', ['team-a']);
    expect((await a.request('GET', '/products/platform/internal-echo')).status).toBe(200);
    const b = new PortalClient(estate.portalUrl);
    await b.signInLocal('b@b.example', ['team-b']);
    expect((await b.request('GET', '/products/platform/internal-echo')).status).toBe(404);
  });

  it("refuses team B's application, keys and subscriptions to team A, by URL and by API", async () => {
    const a = new PortalClient(estate.portalUrl);
    await a.signInLocal('a@a.example', ['team-a']);
    const refused = [
      await a.request('GET', '/apps/team-b/b-app'),
      await a.request('GET', '/api/applications/team-b/b-app'),
      await a.api('POST', '/api/applications/team-b/b-app/credentials'),
      await a.api('POST', '/api/applications/team-b/b-app/credentials/default/revoke'),
      await a.api('DELETE', '/api/applications/team-b/b-app/subscriptions/b-app-echo-basic'),
      await a.api('POST', '/api/applications/team-b/b-app/subscriptions', { product: 'platform/echo-basic' }),
      await a.form('/apps/team-b/b-app/credentials', { action: 'apply' }),
      await a.api('POST', '/api/applications', { namespace: 'team-b', name: 'sneaky' }),
      await a.api('POST', '/api/approvals/team-b/b-app-echo-basic', { decision: 'Approved' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 403, 403]);
    const { applications } = (await (await a.request('GET', '/api/applications')).json()) as { applications: unknown[] };
    expect(applications).toEqual([]);
    expect(readFileSync(join(estate.dir, 'config', 'team-b.yaml'), 'utf8')).not.toContain('revoked');
  });

  it('refuses writes without the CSRF token or from another origin', async () => {
    const a = new PortalClient(estate.portalUrl);
    await a.signInLocal('a@a.example', ['team-a']);
    const noToken = await a.api('POST', '/api/applications', { namespace: 'team-a', name: 'x1' }, '');
    const wrongToken = await a.form('/apps', { namespace: 'team-a', name: 'x1', action: 'apply' }, 'forged');
    const otherOrigin = await a.request('POST', '/api/applications', {
      body: JSON.stringify({ namespace: 'team-a', name: 'x1' }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': a.csrf, origin: 'https://evil.example' },
    });
    expect([noToken.status, wrongToken.status, otherOrigin.status]).toEqual([403, 403, 403]);
    expect(((await noToken.json()) as { code: string }).code).toBe('csrf');
  });

  it('creates an application, shows its key once, subscribes, rotates and revokes through the JSON API', async () => {
    const a = new PortalClient(estate.portalUrl);
    await a.signInLocal('a@a.example', ['team-a']);
    const dry = (await (await a.api('POST', '/api/applications?dryRun=true', { namespace: 'team-a', name: 'api-app' })).json()) as {
      yaml: string;
      dryRun: boolean;
    };
    expect(dry.dryRun).toBe(true);
    expect(dry.yaml).toContain('kind: Application');
    const created = await a.api('POST', '/api/applications', { namespace: 'team-a', name: 'api-app', displayName: 'API app' });
    expect(created.status).toBe(201);
    const { credential } = (await created.json()) as { credential: { consumerKey: string } };
    expect(credential.consumerKey).toMatch(/^tg_/);
    const sub = await a.api('POST', '/api/applications/team-a/api-app/subscriptions', { product: 'platform/echo-basic', plan: 'Basic' });
    expect(sub.status).toBe(201);
    const call = await fetch(`${estate.gatewayUrl}/echo/v1/items/1`, { headers: { apikey: credential.consumerKey } });
    expect(call.status).toBe(200);
    const detail = (await (await a.request('GET', '/api/applications/team-a/api-app')).json()) as {
      usage: Array<{ used: number; limit: number }>;
      shown: unknown[];
    };
    expect(detail.usage).toEqual([expect.objectContaining({ used: 1, limit: 100 })]);
    expect(detail.shown).toEqual([]);
    const rotated = (await (await a.api('POST', '/api/applications/team-a/api-app/credentials')).json()) as {
      credential: { name: string; consumerKey: string };
    };
    expect(rotated.credential.consumerKey).not.toBe(credential.consumerKey);
    expect((await a.api('POST', '/api/applications/team-a/api-app/credentials/default/revoke')).status).toBe(200);
    const after = await fetch(`${estate.gatewayUrl}/echo/v1/items/1`, { headers: { apikey: credential.consumerKey } });
    expect(after.status).toBe(401);
    expect((await fetch(`${estate.gatewayUrl}/echo/v1/items/1`, { headers: { apikey: rotated.credential.consumerKey } })).status).toBe(200);
  });

  it('answers problem+json for bad input, naming the field', async () => {
    const a = new PortalClient(estate.portalUrl);
    await a.signInLocal('a@a.example', ['team-a']);
    const res = await a.api('POST', '/api/applications', { namespace: 'team-a', name: 'Bad Name!' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^name: /);
    const notJson = await a.request('POST', '/api/applications', { body: '{', headers: { 'content-type': 'application/json', 'x-csrf-token': a.csrf } });
    expect(notJson.status).toBe(400);
  });

  it('documents every /api route in its OpenAPI document, and serves that document', async () => {
    const documented = Object.entries(PORTAL_OPENAPI.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const served = apiRoutes().map((r) => `${r.method} /${r.segments.join('/')}`);
    expect(served.sort()).toEqual(documented.sort());
    const doc = (await (await fetch(`${estate.portalUrl}/api/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
  });
});
