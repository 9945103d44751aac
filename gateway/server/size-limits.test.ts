import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { TEST_KEY, basicSnapshot, send, sendRaw } from '../../test/gateway/fixtures.ts';
import { useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

const h = useUpstreamAndGateway({ snapshot: (url) => basicSnapshot(url), gateway: { maxBodyBytes: 1_000, maxHeaderBytes: 4_096 } });

describe('request size limits', () => {
  it('refuses headers over the limit with 431 problem+json', async () => {
    const res = await sendRaw(h.gw.proxyPort, `GET /hello/1.0.0/x HTTP/1.1\r\nHost: a\r\nx-api-key: ${TEST_KEY}\r\nx-big: ${'a'.repeat(5_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json().code).toBe('headers-too-large');
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('refuses a declared body over the limit before reading it', async () => {
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/x', {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'content-length': '5000' },
      body: 'a'.repeat(5_000),
    });
    expect(res.status).toBe(413);
    expect(res.json().code).toBe('request-too-large');
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: h.gw.proxyPort,
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
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('forwards a body within the limit, byte for byte', async () => {
    const body = 'c'.repeat(999);
    const res = await send(h.gw.proxyPort, '/hello/1.0.0/x', { method: 'POST', headers: { 'x-api-key': TEST_KEY, 'content-type': 'text/plain' }, body });
    expect(res.status).toBe(200);
    expect(h.upstream.seen[0]!.body).toBe(body);
  });
});
