import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream, type Upstream } from '../testing/fixtures.ts';

// Real upstreams that misbehave: slow, refusing, resetting, failing on one of two URLs.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function upstreamWith(handler: Parameters<typeof startUpstream>[0]): Promise<Upstream> {
  const u = await startUpstream(handler);
  cleanups.push(() => u.close());
  return u;
}

async function gatewayFor(urls: string[], upstream: { timeoutMs?: number; retries?: number } = {}): Promise<Gateway> {
  const gw = await startGateway(
    basicSnapshot(urls[0]!, (b) => {
      b.apis[0]!.upstream = { urls, connectTimeoutMs: 500, timeoutMs: upstream.timeoutMs ?? 2000, retries: upstream.retries ?? 1 };
    }),
  );
  cleanups.push(() => gw.close());
  return gw;
}

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves with what the client saw, including a connection cut in the middle of a body. */
function get(port: number, path = '/hello/1.0.0/x', method = 'GET'): Promise<{ status: number; body: string; error?: string; complete: boolean }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { 'x-api-key': TEST_KEY }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, body, error: (err as NodeJS.ErrnoException).code ?? err.message, complete: false }));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
    });
    req.on('error', (err) => resolve({ status: 0, body: '', error: (err as NodeJS.ErrnoException).code ?? err.message, complete: false }));
    req.end();
  });
}

describe('when the upstream misbehaves', () => {
  it('answers 504 when the upstream stays silent past its timeout, and does not retry it', async () => {
    const slow = await upstreamWith((_req, res) => setTimeout(() => res.end('late'), 1_500));
    const gw = await gatewayFor([slow.url], { timeoutMs: 200, retries: 2 });
    const started = Date.now();
    const res = await get(gw.proxyPort);
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).code).toBe('upstream-timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(slow.seen).toHaveLength(1);
  });

  it('answers 503 when the upstream refuses connections', async () => {
    const gw = await gatewayFor([`http://127.0.0.1:${await closedPort()}`], { retries: 0 });
    const res = await get(gw.proxyPort);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).code).toBe('upstream-unavailable');
  });

  it('cuts the client connection when the upstream resets mid-response, and keeps serving', async () => {
    let calls = 0;
    const flaky = await upstreamWith((req, res) => {
      calls++;
      if (calls > 1) return res.end('fine');
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000));
      setTimeout(() => req.socket.destroy(), 50);
    });
    const gw = await gatewayFor([flaky.url], { retries: 3 });
    const cut = await get(gw.proxyPort);
    expect(cut.status).toBe(200);
    expect(cut.complete).toBe(false);
    expect(cut.body.length).toBeLessThan(100_000);
    // Never retried once bytes reached the client.
    expect(flaky.seen).toHaveLength(1);
    const after = await get(gw.proxyPort);
    expect(after).toMatchObject({ status: 200, body: 'fine', complete: true });
  });

  it('retries an idempotent request reset before any response on the next upstream', async () => {
    const resetting = await upstreamWith((req) => req.socket.destroy());
    const good = await upstreamWith((_req, res) => res.end('good'));
    const gw = await gatewayFor([resetting.url, good.url], { retries: 1 });
    for (let i = 0; i < 4; i++) expect(await get(gw.proxyPort)).toMatchObject({ status: 200, body: 'good' });
    expect(resetting.seen.length).toBeGreaterThan(0);
  });

  it('never retries a non-idempotent request', async () => {
    const resetting = await upstreamWith((req) => req.socket.destroy());
    const good = await upstreamWith((_req, res) => res.end('good'));
    const gw = await gatewayFor([resetting.url, good.url], { retries: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(gw.proxyPort, '/hello/1.0.0/x', 'POST')).status);
    expect(statuses.filter((s) => s === 502)).toHaveLength(2);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(resetting.seen).toHaveLength(2);
  });

  it('passes an upstream 500 through untouched and does not retry it', async () => {
    const failing = await upstreamWith((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream says no');
    });
    const gw = await gatewayFor([failing.url], { retries: 3 });
    expect(await get(gw.proxyPort)).toMatchObject({ status: 500, body: 'upstream says no' });
    expect(failing.seen).toHaveLength(1);
  });

  it('spreads requests round-robin over upstream URLs', async () => {
    const a = await upstreamWith((_req, res) => res.end('a'));
    const b = await upstreamWith((_req, res) => res.end('b'));
    const gw = await gatewayFor([a.url, b.url]);
    const bodies = [];
    for (let i = 0; i < 6; i++) bodies.push((await get(gw.proxyPort)).body);
    expect(bodies.filter((x) => x === 'a')).toHaveLength(3);
    expect(bodies.filter((x) => x === 'b')).toHaveLength(3);
  });

  it('ejects an upstream that keeps refusing, so that later requests avoid it', async () => {
    const good = await upstreamWith((_req, res) => res.end('good'));
    const gw = await gatewayFor([`http://127.0.0.1:${await closedPort()}`, good.url], { retries: 0 });
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(gw.proxyPort)).status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(3);
    expect(statuses.slice(-10).every((s) => s === 200)).toBe(true);
    const metrics = await gw.metrics.registry.getSingleMetricAsString('tollgate_upstream_ejections_total');
    expect(metrics).toContain('tollgate_upstream_ejections_total 1');
  });
});
