import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki } from '../../test/control-plane/certs.ts';
import type { UpstreamTls } from '../snapshot/types.ts';
import { TEST_KEY, acceptWebSocket, basicSnapshot, send, startGateway, upgrade } from '../../test/gateway/fixtures.ts';

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
  server.on('upgrade', (req, socket: net.Socket) => {
    seen.push(`upgrade ${req.url}`);
    acceptWebSocket(req, socket);
    socket.on('data', (chunk) => socket.write(chunk));
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

async function through(tls: UpstreamTls | undefined): Promise<{ status: number; body: string; websocket: string }> {
  const gw = await startGateway(
    basicSnapshot(url, (b) => {
      const upstream = b.apis[0]!.upstream;
      if (tls) upstream.tls = tls;
      else delete upstream.tls;
    }),
  );
  try {
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } });
    return { status: res.status, body: res.body, websocket: await websocketEcho(gw.proxyPort) };
  } finally {
    await gw.close();
  }
}

/** The status line of an upgrade through the gateway, and what comes back of one frame sent on it. */
async function websocketEcho(port: number): Promise<string> {
  const { head, socket } = await upgrade(port, '/hello/1.0.0/ws', `x-api-key: ${TEST_KEY}\r\n`);
  const status = head.slice(0, head.indexOf('\r\n'));
  try {
    if (!status.includes(' 101 ')) return status;
    socket.write('ping');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    return `${status} ${echo.toString('latin1')}`;
  } finally {
    socket.destroy();
  }
}

describe('an HTTPS upstream, for HTTP and WebSocket', () => {
  it.each([
    { name: 'trusted through its CA bundle', tls: () => ({ insecureSkipVerify: false, caBundle: ca }), status: 200 },
    {
      name: 'trusted through its CA bundle, under a name its certificate has',
      tls: () => ({ insecureSkipVerify: false, caBundle: ca, serverName: 'localhost' }),
      status: 200,
    },
    { name: 'refused without a CA bundle: the machine does not trust its CA', tls: () => undefined, status: 502 },
    {
      name: 'refused under a name its certificate does not have',
      tls: () => ({ insecureSkipVerify: false, caBundle: ca, serverName: 'other.example' }),
      status: 502,
    },
    { name: 'accepted unverified only when told to skip verification', tls: () => ({ insecureSkipVerify: true }), status: 200 },
  ])('is $name', async ({ tls, status }) => {
    const before = seen.length;
    const res = await through(tls());
    expect(res.status).toBe(status);
    // A WebSocket upgrade goes through another client, with the same TLS settings.
    if (status === 200) {
      expect(res.body).toBe('secure hello');
      expect(res.websocket).toBe('HTTP/1.1 101 Switching Protocols ping');
      expect(seen.slice(before)).toEqual([`${new URL(url).host} /x`, 'upgrade /ws']);
    } else {
      expect(JSON.parse(res.body).code).toBe('bad-gateway');
      expect(res.websocket).toMatch(/^HTTP\/1\.1 502 /);
      expect(seen.length).toBe(before);
    }
  });
});
