// `tollgate dev` records usage in its embedded store (PGlite, the same SQL as the cluster's
// PostgreSQL), and the portal's usage history reads it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { devOptions } from '../test/support/dev-options.ts';
import { shopYaml } from '../test/support/shop-yaml.ts';
import { openUsageDatabase } from '../usage/open-database.ts';
import { usageHistory } from '../usage/query.ts';
import { runDev } from './run-dev.ts';

let upstream: Upstream;
let dir: string;
beforeAll(async () => {
  upstream = await startUpstream();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-usage-'));
});
afterAll(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tollgate dev usage', () => {
  it('writes each request to the PGlite ledger, which one process holds at a time, and the portal history reads it', { timeout: 60_000 }, async () => {
    const config = join(dir, 'config');
    const store = `pglite:${join(dir, 'usage')}`;
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'shop.yaml'), shopYaml(upstream.url, '[{ name: main }]'));
    const started = Date.now();
    const dev = await runDev(devOptions(dir, { usageDatabase: store }));
    const key = dev.credentials.reveal('shop/shopper', 'main')!.consumerKey;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/orders/v1/x`, { headers: { apikey: key } })).status);
    statuses.push((await fetch(`http://127.0.0.1:${dev.gateway.proxyPort}/orders/v1/x`, { headers: { apikey: 'wrong' } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 401]);
    // The store opens at the first write, after the gateway already serves.
    expect(await dev.gateway.usage!.flush()).toBe(true);
    await expect(openUsageDatabase(store)).rejects.toThrow(/open in another process \(pid \d+, e\.g\. tollgate dev\)/);
    await dev.close();

    const db = await openUsageDatabase(store);
    try {
      const history = await usageHistory(db, { namespace: 'shop', application: 'shopper', from: started - 60_000, to: Date.now() + 60_000, step: 'minute' });
      expect(history.application).toBe('shop/shopper');
      expect(history.totals).toEqual({ requests: 7, billable: 7, refused: 0 });
      expect(history.products).toEqual([{ product: 'shop/orders', plan: '', requests: 7, billable: 7, refused: 0 }]);
      expect(history.points.length).toBeGreaterThanOrEqual(3);
      expect(history.points.every((p) => p.t.endsWith(':00.000Z'))).toBe(true);
      // Every day since the start: one, or two when the requests straddled midnight (UTC).
      const daily = await usageHistory(db, { namespace: 'shop', application: 'shopper', from: started, to: Date.now(), step: 'day' });
      expect(daily.points.length).toBeGreaterThanOrEqual(1);
      expect(daily.points.every((p) => p.t.endsWith('T00:00:00.000Z'))).toBe(true);
      expect(daily.points.reduce((sum, p) => sum + p.requests, 0)).toBe(7);
      await expect(usageHistory(db, { namespace: 'shop', application: 'shopper', from: 0, to: Date.now(), step: 'minute' })).rejects.toThrow(
        /more than 2000 minutes/,
      );
      await expect(usageHistory(db, { namespace: 'shop', application: "x'; drop table usage_day; --", from: 0, to: 1, step: 'day' })).rejects.toThrow(
        /is not a namespace\/name/,
      );
    } finally {
      await db.close();
    }
  });
});
