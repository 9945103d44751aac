import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, acceptWebSocket, basicSnapshot, startGateway, upgrade } from '../../test/gateway/fixtures.ts';

// A WebSocket upgrade is a request like any other: canonicalised, routed,
// authenticated and authorised before a single byte reaches the upstream.
let upstream: http.Server;
let upgrades: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
let gw: Gateway;

beforeAll(async () => {
  upstream = http.createServer((_req, res) => res.end('not a websocket'));
  upstream.on('upgrade', (req, socket: net.Socket) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    acceptWebSocket(req, socket);
    socket.on('data', (chunk) => socket.write(chunk)); // echo: framing is not the gateway's business
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  gw = await startGateway(basicSnapshot(`http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`));
});
afterAll(async () => {
  await gw.close();
  upstream.close();
  upstream.closeAllConnections();
});

describe('WebSocket upgrades', () => {
  it('proxies an authorised upgrade and then the bytes both ways', async () => {
    upgrades = [];
    const { head, socket } = await upgrade(gw.proxyPort, '/hello/1.0.0/chat?room=1', `x-api-key: ${TEST_KEY}\r\nX-Forwarded-For: 10.0.0.1\r\n`);
    expect(head.startsWith('HTTP/1.1 101')).toBe(true);
    expect(upgrades).toHaveLength(1);
    expect(upgrades[0]!.url).toBe('/chat?room=1');
    expect(upgrades[0]!.headers['x-api-key']).toBeUndefined();
    expect(upgrades[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(upgrades[0]!.headers['x-tollgate-application']).toBe('team-b/app');
    const echoed = new Promise<string>((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString())));
    socket.write('ping');
    expect(await echoed).toBe('ping');
    socket.destroy();
  });

  it.each([
    ['without a key', '/hello/1.0.0/chat', '', 401, 'credentials-missing'],
    ['with an unknown key', '/hello/1.0.0/chat', 'x-api-key: nope\r\n', 401, 'credentials-invalid'],
    ['on a dot-segment path', '/hello/1.0.0/../admin', `x-api-key: ${TEST_KEY}\r\n`, 400, 'invalid-request-target'],
    ['on an unknown route', '/nowhere', `x-api-key: ${TEST_KEY}\r\n`, 404, 'route-not-found'],
  ])('refuses an upgrade %s', async (_name, path, headers, status, code) => {
    upgrades = [];
    const { head, socket } = await upgrade(gw.proxyPort, path, headers);
    expect(head.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(head).toContain('application/problem+json');
    const body = await new Promise<string>((resolve) => {
      let rest = head.slice(head.indexOf('\r\n\r\n') + 4);
      socket.on('data', (c: Buffer) => (rest += c.toString()));
      socket.on('close', () => resolve(rest));
    });
    expect(JSON.parse(body).code).toBe(code);
    expect(upgrades).toHaveLength(0);
  });
});
