import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_KEY, acceptWebSocket, basicSnapshot, startGateway, upgrade } from '../../test/gateway/fixtures.ts';
import type { UsageRow } from '../usage/usage-cell.ts';

// Usage is billed: a connection the drain has to cut at its deadline (a WebSocket still
// open, a request its upstream never answers) is still one request in the ledger. The
// writer here is the ledger's edge, kept in memory; its PostgreSQL form has tests of its own.
let upstream: http.Server;

beforeAll(async () => {
  upstream = http.createServer(() => {
    // Never answers: the request is in flight when the drain's deadline comes.
  });
  upstream.on('upgrade', (req, socket: net.Socket) => {
    acceptWebSocket(req, socket);
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
});
afterAll(() => {
  upstream.closeAllConnections();
  upstream.close();
});

it('counts the exchanges of connections the drain cuts at its deadline', async () => {
  const rows: UsageRow[] = [];
  const writer = {
    write: async (written: readonly UsageRow[]) => void rows.push(...written),
    close: async () => {},
  };
  const gw = await startGateway(basicSnapshot(`http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`), {
    usage: { writer, flushIntervalMs: 60_000 },
    drainTimeoutMs: 200,
  });
  const { head, socket: ws } = await upgrade(gw.proxyPort, '/hello/1.0.0/chat', `x-api-key: ${TEST_KEY}\r\n`);
  expect(head.startsWith('HTTP/1.1 101')).toBe(true);
  const hung = http.get({ port: gw.proxyPort, host: '127.0.0.1', path: '/hello/1.0.0/slow', headers: { 'x-api-key': TEST_KEY } });
  hung.on('error', () => {
    // Cut by the drain: expected.
  });
  // Wait until the upstream holds the request, so that it is in flight when the drain starts.
  await new Promise<void>((resolve) => upstream.once('request', () => resolve()));

  await gw.close();

  // Cumulative rows per minute and key: the last write of a key is its total.
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(`${row.windowStart} ${row.statusClass} ${row.application}`, row.requests);
  expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(2);
  // The WebSocket's exchange (101) among them.
  expect(rows.filter((row) => row.statusClass === '1xx').map((row) => row.requests)).toEqual([1]);
  // And the client's WebSocket was closed by the gateway, not left open.
  if (!ws.closed) await once(ws, 'close');
});
