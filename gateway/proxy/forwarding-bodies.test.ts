import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KEY, basicSnapshot, startGateway, startUpstream } from '../../test/gateway/fixtures.ts';

// Bodies larger than any socket buffer, both ways, so that backpressure is exercised:
// what arrives must be byte for byte what was sent.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function gatewayTo(handler: Parameters<typeof startUpstream>[0]): Promise<number> {
  const upstream = await startUpstream(handler);
  cleanups.push(() => upstream.close());
  const gw = await startGateway(basicSnapshot(upstream.url), { maxBodyBytes: 64 * 1024 * 1024 });
  cleanups.push(() => gw.close());
  return gw.proxyPort;
}

describe('bodies through the gateway', () => {
  it.each([
    { framing: 'content-length', chunked: false },
    { framing: 'chunked', chunked: true },
  ])('uploads 8 MiB with $framing intact', async ({ chunked }) => {
    const port = await gatewayTo((_req, res, seen) => res.end(`${seen.body.length} ${sha(seen.body)}`));
    const payload = randomBytes(4 * 1024 * 1024).toString('hex');
    const answer = await new Promise<string>((resolve, reject) => {
      const headers: Record<string, string> = { 'x-api-key': TEST_KEY };
      if (!chunked) headers['content-length'] = String(payload.length);
      const req = http.request({ host: '127.0.0.1', port, path: '/hello/1.0.0/upload', method: 'PUT', headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      // In pieces, so a chunked upload really is many chunks.
      for (let i = 0; i < payload.length; i += 256 * 1024) req.write(payload.slice(i, i + 256 * 1024));
      req.end();
    });
    expect(answer).toBe(`${payload.length} ${sha(payload)}`);
  });

  it('downloads 16 MiB intact to a client that reads slowly', async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const port = await gatewayTo((_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.end(payload);
    });
    const got = await new Promise<Buffer>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/hello/1.0.0/download', headers: { 'x-api-key': TEST_KEY }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          let n = 0;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            // Stall now and then, so that the gateway must hold the upstream back.
            if (++n % 16 === 0) {
              res.pause();
              setTimeout(() => res.resume(), 5);
            }
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(got.length).toBe(payload.length);
    expect(sha(got)).toBe(sha(payload));
  });
});
