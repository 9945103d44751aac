import type { Logger } from 'pino';
import { parseTimeZone } from '../../gateway/limits/time-zone.ts';
import type { Subscription } from '../../gateway/snapshot/types.ts';
import type { SqlClient } from '../../gateway/usage/sql-client.ts';
import { subscriptionUsages, type SubscriptionUsage } from '../status/subscription-usage.ts';

export type UsageSource = (now: Date) => Promise<ReadonlyMap<string, SubscriptionUsage>>;

/**
 * The operator's counts for Subscription status.usage: the usage ledger (`--usage-database`),
 * opened at the first status pass and opened again after a failure. `timeZone` is the
 * gateways' `--time-zone`, so the windows are the ones their quotas count in.
 */
export function ledgerUsage(
  url: string,
  subscriptions: () => readonly Subscription[],
  o: { timeZone?: string; logger: Logger },
): UsageSource & { close(): Promise<void> } {
  const zone = parseTimeZone(o.timeZone);
  let db: Promise<SqlClient> | undefined;
  const source = async (now: Date) => {
    const subs = subscriptions();
    if (!subs.length) return new Map<string, SubscriptionUsage>();
    // Loaded only when configured: pg is no cost to an operator without a ledger.
    db ??= import('../../usage/open-database.ts').then((m) => m.openUsageDatabase(url));
    try {
      const { ledgerCounter } = await import('../../usage/subscription-calls.ts');
      const counter = await ledgerCounter(await db, subs, now.getTime(), zone);
      return subscriptionUsages(subs, counter, now.getTime(), zone);
    } catch (e) {
      const stale = db;
      db = undefined;
      void stale.then((c) => c.close()).catch(() => {});
      throw e;
    }
  };
  return Object.assign(source, {
    close: async () => {
      const open = db;
      db = undefined;
      await open?.then((c) => c.close()).catch(() => {});
    },
  });
}
