// Dev mode decides route conflicts as a cluster does: the API it saw first keeps
// the route, over real HTTP and across a restart on the same state directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { waitFor } from '../test/support/wait.ts';
import { runDev, type DevServer } from './run-dev.ts';
import { devOptions } from '../test/support/dev-options.ts';

const api = (name: string, upstream: string) => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: ${name}, namespace: shop }
spec:
  context: /orders
  version: v1
  upstream: { urls: ["${upstream}"] }
  auth: { none: true }
`;

let dir: string;
let orders: Upstream;
let intruder: Upstream;
let dev: DevServer | undefined;
let now = Date.parse('2026-03-01T10:00:00Z');

const start = () =>
  runDev(
    devOptions(dir, {
      clock: () => new Date(now),
    }),
  );

/** Which upstream answered a request to /orders/v1. */
async function servedBy(d: DevServer): Promise<string> {
  await fetch(`http://127.0.0.1:${d.gateway.proxyPort}/orders/v1/items`);
  return orders.seen.length > intruder.seen.length ? 'orders' : intruder.seen.length ? 'aaa-orders' : 'nobody';
}

function apiStatus(name: string) {
  const all = parse(readFileSync(join(dir, 'state', 'status.yaml'), 'utf8')) as Array<{
    kind: string;
    name: string;
    status: { conditions: Array<{ type: string; status: string; reason: string; message: string }> };
  }>;
  return all.find((s) => s.kind === 'API' && s.name === name)?.status.conditions.find((c) => c.type === 'Accepted');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-conflict-'));
  orders = await startUpstream();
  intruder = await startUpstream();
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'orders.yaml'), api('orders', orders.url));
});

afterAll(async () => {
  await dev?.close();
  await orders?.close();
  await intruder?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tollgate dev route conflicts', () => {
  it('keeps traffic on the served API when a newer one claims its route, and tells the newer one', async () => {
    dev = await start();
    orders.seen.length = intruder.seen.length = 0;
    expect(await servedBy(dev)).toBe('orders');

    // Sorts before `orders` by name: without first-seen times it would take the route.
    now += 60_000;
    writeFileSync(join(dir, 'config', 'aaa-orders.yaml'), api('aaa-orders', intruder.url));
    await waitFor('aaa-orders to be compiled', () => apiStatus('aaa-orders') !== undefined);

    orders.seen.length = intruder.seen.length = 0;
    expect(await servedBy(dev)).toBe('orders');
    expect(apiStatus('aaa-orders')).toMatchObject({ status: 'False', reason: 'Conflict' });
    expect(apiStatus('aaa-orders')?.message).toContain('older');
    expect(apiStatus('orders')).toMatchObject({ status: 'True' });
  });

  it('decides the same after a restart on the same state directory', async () => {
    await dev!.close();
    now += 60_000;
    dev = await start();
    orders.seen.length = intruder.seen.length = 0;
    expect(await servedBy(dev)).toBe('orders');
    expect(apiStatus('aaa-orders')).toMatchObject({ status: 'False', reason: 'Conflict' });
  });
});
