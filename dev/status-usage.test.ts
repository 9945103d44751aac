// `tollgate dev` keeps each subscription's calls in its current quota window in
// status.yaml, from the in-process limit store's counters, over real HTTP.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { devOptions } from '../test/support/dev-options.ts';
import { shopYaml } from '../test/support/shop-yaml.ts';
import { waitFor } from '../test/support/wait.ts';
import { runDev, type DevServer } from './run-dev.ts';

let upstream: Upstream;
let dir: string;
let dev: DevServer | undefined;
let now = Date.parse('2026-11-30T10:15:00Z');

/** A second application on a product without a quota: no counter, so no usage. */
const unlimited = `---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: free, namespace: shop }
spec: { operations: [{ api: orders, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: other, namespace: shop }
spec: { owner: { email: other@shop.example }, credentials: [{ name: main }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: other-free, namespace: shop }
spec: { application: other, product: { name: free } }
`;

function usageOf(name: string): unknown {
  const all = parse(readFileSync(join(dir, 'state', 'status.yaml'), 'utf8')) as Array<{ kind: string; name: string; status: { usage?: unknown } }>;
  const s = all.find((x) => x.kind === 'Subscription' && x.name === name);
  if (!s) throw new Error(`no status for Subscription ${name}`);
  return s.status.usage;
}

beforeAll(async () => {
  upstream = await startUpstream();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-status-usage-'));
  mkdirSync(join(dir, 'config'));
  const shop = shopYaml(upstream.url, '[{ name: main }]').replace(
    'spec: { operations: [{ api: orders, paths: [/] }] }',
    'spec: { operations: [{ api: orders, paths: [/] }], quota: { limit: 5, timeUnit: day } }',
  );
  writeFileSync(join(dir, 'config', 'shop.yaml'), shop + unlimited);
  dev = await runDev(devOptions(dir, { clock: () => new Date(now), usageStatusIntervalMs: 50 }));
});

afterAll(async () => {
  await dev?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tollgate dev: Subscription status.usage', () => {
  it('shows calls against the quota of the current window, refused calls not counted, and a new window from zero', async () => {
    const d = dev!;
    const key = d.credentials.reveal('shop/shopper', 'main')!.consumerKey;
    const window = { start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };
    expect(usageOf('shopper-orders')).toEqual({ window, calls: 0, quota: 5, observedAt: '2026-11-30T10:15:00.000Z' });
    expect(usageOf('other-free')).toBeUndefined();

    const get = async () => (await fetch(`http://127.0.0.1:${d.gateway.proxyPort}/orders/v1/x`, { headers: { apikey: key } })).status;
    // The clock moves first, so whichever refresh sees the third call stamps this instant.
    now += 1_000;
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push(await get());
    expect(codes).toEqual([200, 200, 200]);
    await waitFor('3 calls in status.yaml', () => (usageOf('shopper-orders') as { calls: number } | undefined)?.calls === 3);
    expect(usageOf('shopper-orders')).toEqual({ window, calls: 3, quota: 5, observedAt: '2026-11-30T10:15:01.000Z' });

    for (let i = 0; i < 4; i++) codes.push(await get());
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    now += 1_000;
    await waitFor('5 calls in status.yaml', () => (usageOf('shopper-orders') as { calls: number } | undefined)?.calls === 5);
    expect(usageOf('shopper-orders')).toMatchObject({ window, calls: 5, quota: 5 });
    expect(usageOf('other-free')).toBeUndefined();

    // The next day is a new window: its count starts at zero with no request and no edit.
    now = Date.parse('2026-12-01T00:00:02Z');
    await waitFor('the next window in status.yaml', () => (usageOf('shopper-orders') as { calls: number } | undefined)?.calls === 0);
    expect(usageOf('shopper-orders')).toEqual({
      window: { start: '2026-12-01T00:00:00.000Z', end: '2026-12-02T00:00:00.000Z' },
      calls: 0,
      quota: 5,
      observedAt: '2026-12-01T00:00:02.000Z',
    });
    expect(await get()).toBe(200);
  });
});
