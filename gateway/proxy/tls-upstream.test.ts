import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki } from '../../test/control-plane/certs.ts';
import type { UpstreamTls } from '../snapshot/types.ts';
import { TEST_KEY, basicSnapshot, send, startGateway } from '../testing/fixtures.ts';

// An HTTPS upstream whose certificate (for 127.0.0.1 and localhost) is signed by a
// CA of the test's own, which the machine does not trust.
let dir: string;
let ca: string;
let server: https.Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-tls-upstream-'));
  const pki = await makePki(dir, 'unused');
  ca = await readFile(pki.caCert, 'utf8');
  server = https.createServer({ cert: await readFile(pki.servingCert), key: await readFile(pki.servingKey) }, (req, res) => {
    seen.push(`${req.headers.host} ${req.url}`);
    res.end('secure hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function through(tls: UpstreamTls | undefined): Promise<{ status: number; body: string }> {
  const gw = await startGateway(
    basicSnapshot(url, (b) => {
      const upstream = b.apis[0]!.upstream;
      if (tls) upstream.tls = tls;
      else delete upstream.tls;
    }),
  );
  try {
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } });
    return { status: res.status, body: res.body };
  } finally {
    await gw.close();
  }
}

describe('an HTTPS upstream', () => {
  it.each([
    { name: 'trusted through its CA bundle', tls: () => ({ insecureSkipVerify: false, caBundle: ca }), status: 200 },
    { name: 'trusted through its CA bundle, under a name its certificate has', tls: () => ({ insecureSkipVerify: false, caBundle: ca, serverName: 'localhost' }), status: 200 },
    { name: 'refused without a CA bundle: the machine does not trust its CA', tls: () => undefined, status: 502 },
    { name: 'refused under a name its certificate does not have', tls: () => ({ insecureSkipVerify: false, caBundle: ca, serverName: 'other.example' }), status: 502 },
    { name: 'accepted unverified only when told to skip verification', tls: () => ({ insecureSkipVerify: true }), status: 200 },
  ])('is $name', async ({ tls, status }) => {
    const before = seen.length;
    const res = await through(tls());
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(res.body).toBe('secure hello');
      expect(seen.slice(before)).toEqual([`${new URL(url).host} /x`]);
    } else {
      expect(JSON.parse(res.body).code).toBe('bad-gateway');
      expect(seen.length).toBe(before);
    }
  });
});
