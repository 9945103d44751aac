import type { LimitStore } from '../../gateway/limits/types.ts';
import type { PortalBackend, QuotaUse } from './backend.ts';

type Subscriptions = Parameters<PortalBackend['usage']>[1];

/**
 * Each subscription's quota use in its current window, read from the gateways'
 * limit store (memory in dev mode, the shared Redis in a cluster). A store that
 * cannot read usage, or fails to, shows none rather than failing the page.
 */
export async function quotaUses(store: LimitStore | undefined, application: string, subscriptions: Subscriptions, now: number): Promise<QuotaUse[]> {
  if (!store?.usage) return [];
  try {
    return await Promise.all(
      subscriptions.map(async (s) => {
        const quota = { limit: s.quota.limit, interval: s.quota.interval, timeUnit: s.quota.timeUnit as 'minute' };
        const u = await store.usage!({ application, product: s.product, quota }, now);
        return { subscription: s.id, product: s.product, plan: s.plan, used: u.used, limit: u.limit, windowEnd: new Date(u.windowEnd).toISOString() };
      }),
    );
  } catch {
    return [];
  }
}
