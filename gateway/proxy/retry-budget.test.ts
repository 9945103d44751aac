import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream } from '../../test/gateway/fixtures.ts';
import { waitFor } from '../../test/support/wait.ts';

// How many times the gateway knocks on an upstream that will not serve, counted
// on the upstream's side, and what the client and the access log are told.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const CONNECT_TIMEOUT_MS = 500;

interface Refusing {
  url: string;
  connections: number;
}

/** Accepts each connection and cuts it at once, after an optional delay, counting them. */
async function refusingUpstream(cutAfterMs = 0): Promise<Refusing> {
  const sockets = new Set<net.Socket>();
  const counter: Refusing = { url: '', connections: 0 };
  const server = net.createServer((socket) => {
    counter.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    if (cutAfterMs === 0) socket.destroy();
    else setTimeout(() => socket.destroy(), cutAfterMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  counter.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return counter;
}

async function closedPort(): Promise<string> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

interface AccessLine {
  status?: number;
  code?: string;
  attempts?: number;
  reqId?: string;
}

async function gatewayFor(urls: string[], upstream: { retries: number; timeoutMs?: number }): Promise<{ gw: Gateway; log: AccessLine[] }> {
  const log: AccessLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void (JSON.parse(line).msg === 'request' && log.push(JSON.parse(line))) });
  const gw = await startGateway(
    basicSnapshot(urls[0]!, (b) => {
      b.apis[0]!.upstream = { urls, connectTimeoutMs: CONNECT_TIMEOUT_MS, timeoutMs: upstream.timeoutMs ?? 5_000, retries: upstream.retries };
    }),
    { logger },
  );
  cleanups.push(() => gw.close());
  return { gw, log };
}

/** GET or HEAD, with a ceiling: a gateway that never answers fails the test instead of hanging it. */
function request(port: number, method: string, ceilingMs: number): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/hello/1.0.0/x', method, headers: { 'x-api-key': TEST_KEY }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.setTimeout(ceilingMs, () => {
      req.destroy();
      resolve({ status: 0, body: '', ms: performance.now() - started });
    });
    req.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
    req.end();
  });
}

const rows = [1, 2, 3].flatMap((targets) => [0, 1, 3].flatMap((retries) => ['GET', 'HEAD'].map((method) => ({ targets, retries, method }))));

describe('a request whose upstreams all refuse', () => {
  it.each(rows)('$targets target(s), retries $retries, $method: at most 1 + retries attempts, then 502', async ({ targets, retries, method }) => {
    const upstreams = await Promise.all(Array.from({ length: targets }, () => refusingUpstream()));
    const { gw, log } = await gatewayFor(
      upstreams.map((u) => u.url),
      { retries },
    );
    const attempts = 1 + retries;
    const res = await request(gw.proxyPort, method, CONNECT_TIMEOUT_MS * attempts + 2_000);
    expect(res.status).toBe(502);
    if (method === 'GET') expect(JSON.parse(res.body).code).toBe('bad-gateway');
    expect(res.ms).toBeLessThan(CONNECT_TIMEOUT_MS * attempts);
    await waitFor('the access log line', () => log.length === 1);
    expect(log[0]).toMatchObject({ status: 502, code: 'bad-gateway', attempts });
    const seen = upstreams.map((u) => u.connections);
    expect(
      seen.reduce((a, b) => a + b, 0),
      `connections per target: ${seen.join(' ')}`,
    ).toBe(attempts);
    // Retries go to the other targets before any is tried twice.
    for (const n of seen) expect(n).toBeGreaterThanOrEqual(Math.floor(attempts / targets));
  });

  it.each([0, 1, 3])('a closed port with retries %i: 503 upstream-unavailable after 1 + retries attempts', async (retries) => {
    const { gw, log } = await gatewayFor([await closedPort()], { retries });
    const res = await request(gw.proxyPort, 'GET', CONNECT_TIMEOUT_MS * (1 + retries) + 2_000);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).code).toBe('upstream-unavailable');
    expect(res.ms).toBeLessThan(CONNECT_TIMEOUT_MS * (1 + retries));
    await waitFor('the access log line', () => log.length === 1);
    expect(log[0]).toMatchObject({ status: 503, code: 'upstream-unavailable', attempts: 1 + retries });
  });

  it('keeps every attempt and pause within the API timeout, rather than restarting it per attempt', async () => {
    // Each attempt takes 150 ms to fail: five retries would take 900 ms, the timeout is 400 ms.
    const slowReset = await refusingUpstream(150);
    const { gw, log } = await gatewayFor([slowReset.url], { retries: 5, timeoutMs: 400 });
    const res = await request(gw.proxyPort, 'GET', 3_000);
    expect([502, 504]).toContain(res.status);
    expect(res.ms).toBeLessThan(400 + 350);
    expect(slowReset.connections).toBeLessThanOrEqual(3);
    await waitFor('the access log line', () => log.length === 1);
    expect(log[0]!.status).toBe(res.status);
  });

  it('serves the other requests while one is failing over, and answers each once', async () => {
    const refusing = await refusingUpstream();
    const { gw } = await gatewayFor([refusing.url], { retries: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, () => request(gw.proxyPort, 'GET', 3_000)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(502));
    expect(refusing.connections).toBe(20);
  });
});

describe('the access log status', () => {
  it('is 499 when the client leaves before any response', async () => {
    const hanging = await startUpstream(() => {});
    cleanups.push(() => hanging.close());
    const { gw, log } = await gatewayFor([hanging.url], { retries: 1, timeoutMs: 30_000 });
    const req = http.get({ host: '127.0.0.1', port: gw.proxyPort, path: '/hello/1.0.0/x', headers: { 'x-api-key': TEST_KEY }, agent: false });
    req.on('error', () => {});
    await waitFor('the upstream to get the request', () => hanging.seen.length === 1);
    req.destroy();
    await waitFor('the access log line', () => log.length === 1);
    expect(log[0]).toMatchObject({ status: 499 });
  });

  it('is the status the upstream sent when it answers', async () => {
    const ok = await startUpstream((_req, res) => {
      res.writeHead(201);
      res.end('made');
    });
    cleanups.push(() => ok.close());
    const { gw, log } = await gatewayFor([ok.url], { retries: 1 });
    expect((await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } })).status).toBe(201);
    await waitFor('the access log line', () => log.length === 1);
    expect(log[0]).toMatchObject({ status: 201, attempts: 1 });
  });
});
