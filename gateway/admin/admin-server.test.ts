// The shared admin server over real HTTP: the probe bodies each process chose, metrics, extra JSON.
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from './admin-server.ts';

let admin: AdminServer;
let ready = false;
const registry = new Registry();
new Counter({ name: 'admin_test_total', help: 'a counter for the test', registers: [registry] }).inc(3);

beforeAll(async () => {
  admin = await startAdminServer({
    port: 0,
    host: '127.0.0.1',
    registry,
    health: () => ({ ok: true, body: 'ok' }),
    ready: () => (ready ? { ok: true, body: { status: 'ready' } } : { ok: false, body: 'watches not synced' }),
    json: { '/debug/reports': () => ({ reports: [] }), '/debug/broken': () => Promise.reject(new Error('no')) },
  });
});

afterAll(() => admin?.close());

async function get(path: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${admin.port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('admin server', () => {
  it.each([
    { name: 'health as text', path: '/healthz', status: 200, type: 'text/plain; charset=utf-8', body: 'ok' },
    { name: 'a query string is not part of the path', path: '/healthz?verbose=1', status: 200, type: 'text/plain; charset=utf-8', body: 'ok' },
    { name: 'not ready as text', path: '/readyz', status: 503, type: 'text/plain; charset=utf-8', body: 'watches not synced' },
    { name: 'an extra JSON endpoint', path: '/debug/reports', status: 200, type: 'application/json', body: '{"reports":[]}' },
    { name: 'an extra endpoint that fails', path: '/debug/broken', status: 500, type: 'application/json', body: '{"error":"Error: no"}' },
    { name: 'an unknown path', path: '/nothing', status: 404, type: 'application/json', body: '{"error":"not found"}' },
    { name: 'an inherited property is no endpoint', path: '/constructor', status: 404, type: 'application/json', body: '{"error":"not found"}' },
    { name: 'a write', path: '/healthz', method: 'POST', status: 405, type: 'application/json', body: '{"error":"method not allowed"}' },
  ])('$name', async ({ path, method, status, type, body }) => {
    expect(await get(path, method)).toEqual({ status, type, body });
  });

  it('answers readiness as it changes, in JSON when the body is an object', async () => {
    ready = true;
    expect(await get('/readyz')).toEqual({ status: 200, type: 'application/json', body: '{"status":"ready"}' });
    ready = false;
    expect((await get('/readyz')).status).toBe(503);
  });

  it('serves the registry in the Prometheus text format', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe(registry.contentType);
    expect(res.body).toContain('admin_test_total 3');
  });
});
