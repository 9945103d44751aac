import type { LimitStore } from '../gateway/limits/types.ts';
import type { TimeZone } from '../gateway/limits/time-zone.ts';
import type { Subscription } from '../gateway/snapshot/types.ts';
import { subscriptionUsages, type CallCounter, type SubscriptionUsage } from '../operator/status/subscription-usage.ts';

/**
 * Dev mode's counts: the in-process limit store's quota counters, which are what the
 * gateway refuses by. A subscription without a quota has no counter, so it shows no usage.
 */
export function limitStoreCounter(store: LimitStore, now: number): CallCounter {
  return (s) => {
    if (!s.quota || !store.usage) return undefined;
    const u = store.usage({ application: s.application, product: s.product, quota: s.quota }, now);
    // The memory store answers at once; a store that would make the status writer wait is not asked.
    return u instanceof Promise ? undefined : u.used;
  };
}

/** The provider DevStatuses asks: the served snapshot's active subscriptions against the store's counters. */
export function devQuotaUsage(
  store: LimitStore,
  subscriptions: () => readonly Subscription[],
  zone: TimeZone,
): (now: Date) => ReadonlyMap<string, SubscriptionUsage> {
  return (now) => subscriptionUsages(subscriptions(), limitStoreCounter(store, now.getTime()), now.getTime(), zone);
}
