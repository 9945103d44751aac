import type { TimeZone } from '../gateway/limits/time-zone.ts';
import type { Subscription } from '../gateway/snapshot/types.ts';
import type { SqlClient } from '../gateway/usage/sql-client.ts';
import { usageWindow, type CallCounter } from '../operator/status/subscription-usage.ts';
import { emptyCatalog } from './catalog.ts';
import { usageReport } from './report.ts';

/**
 * Each subscription's calls in its current window, read from the ledger: one report per
 * distinct window (subscriptions mostly share a few), grouped by application and product.
 * A call is a request the gateway did not refuse (requests minus 401/403/429), the
 * closest the ledger comes to what the quota counter counts. Reports roll the window up
 * first, so the sums equal the minute rows' exactly; a window longer than the minute
 * retention (7 days) is read from the hours and days already rolled up.
 */
export async function ledgerCounter(db: SqlClient, subscriptions: readonly Subscription[], now: number, zone: TimeZone): Promise<CallCounter> {
  const windows = new Map<number, number>();
  for (const s of subscriptions) {
    const w = usageWindow(s, now, zone);
    windows.set(w.start, w.end);
  }
  const calls = new Map<string, number>();
  for (const [from, to] of windows) {
    const rows = await usageReport(db, { period: { from, to }, groupBy: ['application', 'product'], filters: {} }, emptyCatalog());
    for (const r of rows) calls.set(`${from}|${r.group.application}|${r.group.product}`, r.requests - r.refused);
  }
  return (s, w) => calls.get(`${w.start}|${s.application}|${s.product}`) ?? 0;
}
