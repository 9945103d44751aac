import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';
import { until } from '../../test/support/wait.ts';

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
    // A refused connect is 503; on a machine so loaded that the connect timer fires
    // before the refusal is read it is a connect timeout (504). Either is a failure
    // of that target, and three in a row eject it.
    expect(
      statuses.filter((s) => s === 503 || s === 504),
      `statuses: ${statuses.join(' ')}`,
    ).toHaveLength(3);
    expect(statuses.slice(-10), `statuses: ${statuses.join(' ')}`).toEqual(Array(10).fill(200));
    const metrics = await gw.metrics.registry.getSingleMetricAsString('tollgate_upstream_ejections_total');
    expect(metrics).toContain('tollgate_upstream_ejections_total 1');
  });

  it('cuts the client connection when the upstream falls silent mid-body past its timeout', async () => {
    const stalling = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    });
    const gw = await gatewayFor([stalling.url], { timeoutMs: 200, retries: 2 });
    const started = Date.now();
    const res = await get(gw.proxyPort);
    expect(res).toMatchObject({ status: 200, body: '12345', complete: false });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stalling.seen).toHaveLength(1);
  });

  it('keeps a slow but steady response alive: the timeout is for silence, not for the whole body', async () => {
    const steady = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const tick = setInterval(() => {
        res.write(`${n}`);
        if (++n === 6) {
          clearInterval(tick);
          res.end();
        }
      }, 100);
    });
    const gw = await gatewayFor([steady.url], { timeoutMs: 250 });
    expect(await get(gw.proxyPort)).toMatchObject({ status: 200, body: '012345', complete: true });
  });

  it('keeps a slow but steady upload alive: sending the body is not silence', async () => {
    const echo = await upstreamWith((_req, res, seen) => res.end(`got ${seen.body}`));
    // The upload takes twice the timeout; each gap is a quarter of it, so a loaded machine's late tick does not read as silence.
    const gw = await gatewayFor([echo.url], { timeoutMs: 400 });
    const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: gw.proxyPort, path: '/hello/1.0.0/upload', method: 'POST', headers: { 'x-api-key': TEST_KEY }, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      let n = 0;
      const tick = setInterval(() => {
        req.write(`${n}`);
        if (++n === 8) {
          clearInterval(tick);
          req.end();
        }
      }, 100);
    });
    expect(body).toEqual({ status: 200, body: 'got 01234567' });
  });

  it('passes each chunk of a streamed response on as it comes, not when the upstream ends', async () => {
    let finish: () => void = () => {};
    const streaming = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: last\n\n');
    });
    const gw = await gatewayFor([streaming.url]);
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: gw.proxyPort, path: '/hello/1.0.0/events', headers: { 'x-api-key': TEST_KEY }, agent: false }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (c: string) => {
          resolve(c);
          res.resume();
          res.once('end', () => {});
        });
      });
      req.on('error', reject);
    });
    expect(first).toBe('data: first\n\n');
    finish();
  });

  it('stops the upstream request when the client goes away before the response', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const hanging = await upstreamWith((_req, res) => res.once('close', () => upstreamClosed()));
    const gw = await gatewayFor([hanging.url], { timeoutMs: 30_000 });
    const req = http.get({ host: '127.0.0.1', port: gw.proxyPort, path: '/hello/1.0.0/x', headers: { 'x-api-key': TEST_KEY }, agent: false });
    req.on('error', () => {});
    await until('the upstream to get the request', async () => (hanging.seen.length === 1 ? true : undefined), 2_000);
    req.destroy();
    await closed;
  });

  it('answers 502 for a response that is not HTTP', async () => {
    const garbage = net.createServer((socket) => socket.resume().end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    garbage.listen(0, '127.0.0.1');
    await once(garbage, 'listening');
    cleanups.push(() => new Promise((r) => garbage.close(() => r())));
    const gw = await gatewayFor([`http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}`], { retries: 0 });
    const res = await get(gw.proxyPort);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).code).toBe('bad-gateway');
  });

  it('passes repeated response headers through and drops the upstream connection headers', async () => {
    const cookies = await upstreamWith((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('x-upstream', 'yes');
      // No content-length: the upstream sends it chunked, the gateway frames it again.
      res.write('chunked ');
      res.end('body');
    });
    const gw = await gatewayFor([cookies.url]);
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('chunked body');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.headers['keep-alive']).toBeUndefined();
  });
});

describe('upstream connection pools across reloads', () => {
  it('closes the pool of an upstream no snapshot uses any more, after a grace period, and makes a new one if it comes back', async () => {
    const a = await upstreamWith((_req, res) => res.end('a'));
    const b = await upstreamWith((_req, res) => res.end('b'));
    const snapshotTo = (url: string, label: string) =>
      basicSnapshot(url, (body) => {
        body.apis[0]!.displayName = label;
      });
    const gw = await startGateway(snapshotTo(a.url, 'one'), { unusedUpstreamGraceMs: 100 });
    cleanups.push(() => gw.close());
    expect((await get(gw.proxyPort)).body).toBe('a');
    expect(a.connections()).toBe(1);

    expect(gw.applySnapshot(snapshotTo(b.url, 'two')).ok).toBe(true);
    expect((await get(gw.proxyPort)).body).toBe('b');
    // Within the grace period the old pool and its keep-alive connection stay.
    expect(a.connections()).toBe(1);
    await until('the unused pool to close its connection', async () => (a.connections() === 0 ? true : undefined), 2_000);

    expect(gw.applySnapshot(snapshotTo(a.url, 'three')).ok).toBe(true);
    expect((await get(gw.proxyPort)).body).toBe('a');
    expect(a.connections()).toBe(1);
  });
});
