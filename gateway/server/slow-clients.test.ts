import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import { LINGER_MS } from '../http/lingering-close.ts';
import { TEST_KEY, basicSnapshot, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';
import { waitFor } from '../../test/support/wait.ts';

// Clients that send slowly or not at all, on raw sockets: what they are told, how
// many times, and how soon the gateway lets go of the connection.
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_500;

let upstream: Upstream;
let gw: Gateway;
beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(basicSnapshot(upstream.url), { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

interface Conversation {
  socket: net.Socket;
  /** Everything the gateway sent, as latin1. */
  text(): string;
  /** performance.now() when the connection was closed or reset, once it has: a client still sending learns so on its next write. */
  closedAt(): number | undefined;
  /** performance.now() when the gateway said it would send no more (FIN). */
  endedAt(): number | undefined;
  /** performance.now() when the first byte of an answer arrived. */
  answeredAt(): number | undefined;
}

async function connect(port: number): Promise<Conversation> {
  // Half-open allowed: like a client busy uploading, it goes on sending after the gateway's FIN.
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  let closedAt: number | undefined;
  let answeredAt: number | undefined;
  let endedAt: number | undefined;
  socket.on('end', () => (endedAt ??= performance.now()));
  socket.on('data', (c: Buffer) => {
    answeredAt ??= performance.now();
    received += c.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => (closedAt ??= performance.now()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, text: () => received, closedAt: () => closedAt, endedAt: () => endedAt, answeredAt: () => answeredAt };
}

/** Writes one byte every `everyMs` until the connection closes or `limit` bytes have gone. */
function dribble(c: Conversation, everyMs: number, limit: number): () => void {
  let sent = 0;
  const tick = setInterval(() => {
    if (c.closedAt() !== undefined || sent++ >= limit || c.socket.destroyed) return clearInterval(tick);
    c.socket.write('x');
  }, everyMs);
  return () => clearInterval(tick);
}

function statusLines(text: string): string[] {
  return text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
}

const refusedEarly = [
  { name: 'no credential', target: '/hello/1.0.0/x', key: '', status: 401 },
  { name: 'unknown route', target: '/nowhere', key: `x-api-key: ${TEST_KEY}\r\n`, status: 404 },
  { name: 'declared body over the limit', target: '/hello/1.0.0/x', key: `x-api-key: ${TEST_KEY}\r\n`, status: 413, length: 20 * 1024 * 1024 },
];

describe('a request refused before its body has arrived', () => {
  it.each(refusedEarly)('$name: answered once with Connection: close, the body drained for a bounded time, then closed', async (row) => {
    const c = await connect(gw.proxyPort);
    c.socket.write(`POST ${row.target} HTTP/1.1\r\nHost: gw.test\r\n${row.key}Content-Length: ${row.length ?? 1000}\r\n\r\nx`);
    const stop = dribble(c, 100, 900);
    await waitFor('the answer', () => c.answeredAt() !== undefined, 3_000);
    await waitFor('the gateway to close the connection', () => c.closedAt() !== undefined, LINGER_MS + 1_500);
    stop();
    expect(statusLines(c.text())).toEqual([`HTTP/1.1 ${row.status}`]);
    expect(c.text().toLowerCase()).toContain('connection: close');
    expect(c.text()).toContain('application/problem+json');
    const held = c.closedAt()! - c.answeredAt()!;
    expect(held).toBeGreaterThan(LINGER_MS - 500);
    expect(held).toBeLessThan(LINGER_MS + 1_000);
  });

  it('stops draining after a bounded number of bytes, well before the time bound', async () => {
    const c = await connect(gw.proxyPort);
    c.socket.write(`POST /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    let sent = 0;
    const tick = setInterval(() => {
      if (c.closedAt() !== undefined || sent >= 8 * 1024 * 1024) return clearInterval(tick);
      sent += chunk.length;
      c.socket.write(chunk);
    }, 20);
    await waitFor('the gateway to close the connection', () => c.closedAt() !== undefined, LINGER_MS + 1_500);
    clearInterval(tick);
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 401']);
    expect(c.closedAt()! - c.answeredAt()!).toBeLessThan(LINGER_MS / 2);
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('keeps the connection open for the next request when the refused request had no body', async () => {
    const c = await connect(gw.proxyPort);
    c.socket.write('GET /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\n\r\n');
    await waitFor('the answer', () => statusLines(c.text()).length === 1, 3_000);
    c.socket.write(`GET /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\nx-api-key: ${TEST_KEY}\r\nConnection: close\r\n\r\n`);
    await waitFor('the gateway to end the connection', () => c.endedAt() !== undefined, 3_000);
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 401', 'HTTP/1.1 200']);
  });
});

describe('header and request timeouts', () => {
  it('answers partial headers 408 within a second of the header timeout, and closes', async () => {
    const c = await connect(gw.proxyPort);
    const started = performance.now();
    c.socket.write('GET /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\n');
    await waitFor('the gateway to end the connection', () => c.endedAt() !== undefined, HEADERS_TIMEOUT_MS + 3_000);
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 408']);
    expect(c.text()).toContain('"code":"request-timeout"');
    const waited = c.answeredAt()! - started;
    expect(waited).toBeGreaterThan(HEADERS_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(HEADERS_TIMEOUT_MS + 1_000);
  });

  it('answers a request whose body is still arriving 408 within a second of the request timeout, once, and closes', async () => {
    const seenBefore = upstream.seen.length;
    const c = await connect(gw.proxyPort);
    const started = performance.now();
    c.socket.write(`POST /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\nx-api-key: ${TEST_KEY}\r\nContent-Length: 1000\r\n\r\n`);
    const stop = dribble(c, 100, 900);
    await waitFor('the answer', () => c.answeredAt() !== undefined, REQUEST_TIMEOUT_MS + 3_000);
    await waitFor('the gateway to close the connection', () => c.closedAt() !== undefined, LINGER_MS + 1_500);
    stop();
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 408']);
    expect(c.text()).toContain('"code":"request-timeout"');
    const waited = c.answeredAt()! - started;
    expect(waited).toBeGreaterThan(REQUEST_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(REQUEST_TIMEOUT_MS + 1_000);
    expect(upstream.seen.length).toBe(seenBefore);
  });

  it('answers a new request 408 on a keep-alive connection after a complete one', async () => {
    const c = await connect(gw.proxyPort);
    c.socket.write(`GET /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\nx-api-key: ${TEST_KEY}\r\n\r\n`);
    await waitFor('the first answer', () => statusLines(c.text()).length === 1, 3_000);
    const started = performance.now();
    c.socket.write('GET /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\n');
    await waitFor('the gateway to end the connection', () => c.endedAt() !== undefined, HEADERS_TIMEOUT_MS + 3_000);
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 200', 'HTTP/1.1 408']);
    expect(c.endedAt()! - started).toBeLessThan(HEADERS_TIMEOUT_MS + 1_000);
  });
});

describe('a request timeout shorter than the drain after an early refusal', () => {
  let short: Gateway;
  beforeAll(async () => {
    short = await startGateway(basicSnapshot(upstream.url), { headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await short.close();
  });

  it('never writes a second response on the connection', async () => {
    const c = await connect(short.proxyPort);
    c.socket.write('POST /hello/1.0.0/x HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 1000\r\n\r\nx');
    const stop = dribble(c, 100, 900);
    await waitFor('the gateway to close the connection', () => c.closedAt() !== undefined, LINGER_MS + 1_500);
    stop();
    expect(statusLines(c.text())).toEqual(['HTTP/1.1 401']);
  });
});
