import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, sendRaw, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

let upstream: Upstream;
let gw: Gateway;
beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(basicSnapshot(upstream.url), { maxBodyBytes: 1_000, maxHeaderBytes: 4_096 });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

describe('request size limits', () => {
  it('refuses headers over the limit with 431 problem+json', async () => {
    const res = await sendRaw(gw.proxyPort, `GET /hello/1.0.0/x HTTP/1.1\r\nHost: a\r\nx-api-key: ${TEST_KEY}\r\nx-big: ${'a'.repeat(5_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json().code).toBe('headers-too-large');
    expect(upstream.seen).toHaveLength(0);
  });

  it('refuses a declared body over the limit before reading it', async () => {
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'content-length': '5000' },
      body: 'a'.repeat(5_000),
    });
    expect(res.status).toBe(413);
    expect(res.json().code).toBe('request-too-large');
    expect(upstream.seen).toHaveLength(0);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: gw.proxyPort,
          path: '/hello/1.0.0/x',
          method: 'POST',
          headers: { 'x-api-key': TEST_KEY, 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = (): void => {
        if (sent >= 10 || req.destroyed) return void req.end();
        sent++;
        req.write('b'.repeat(300), () => setTimeout(pump, 5));
      };
      pump();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).code).toBe('request-too-large');
    expect(upstream.seen).toHaveLength(0);
  });

  it('forwards a body within the limit, byte for byte', async () => {
    const body = 'c'.repeat(999);
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { method: 'POST', headers: { 'x-api-key': TEST_KEY, 'content-type': 'text/plain' }, body });
    expect(res.status).toBe(200);
    expect(upstream.seen[0]!.body).toBe(body);
  });
});
