import type { QuotaWindow } from '../../gateway/limits/windows.ts';
import { quotaWindow } from '../../gateway/limits/windows.ts';
import type { TimeZone } from '../../gateway/limits/time-zone.ts';
import type { Subscription } from '../../gateway/snapshot/types.ts';
import type { SubscriptionStatus } from '../resources/types.generated.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';

export type SubscriptionUsage = NonNullable<SubscriptionStatus['usage']>;

/** A subscription without a quota is shown its calendar month, the period it is billed by. */
const MONTH = { interval: 1, timeUnit: 'month' } as const;

/**
 * How many calls a source counted for (application, product) in a window, or
 * undefined when it cannot tell (no counter: the subscription then shows no usage).
 */
export type CallCounter = (subscription: Subscription, window: QuotaWindow) => number | undefined;

/** The window each active subscription is counted in: its quota's current calendar window, or the month. */
export function usageWindow(s: Subscription, now: number, zone: TimeZone): QuotaWindow {
  return quotaWindow(s.quota ?? MONTH, now, zone);
}

/** Each active subscription's usage against its quota, by subscription id; the counts are input, so this stays pure. */
export function subscriptionUsages(subscriptions: readonly Subscription[], count: CallCounter, now: number, zone: TimeZone): Map<string, SubscriptionUsage> {
  const out = new Map<string, SubscriptionUsage>();
  const observedAt = new Date(now).toISOString();
  for (const s of subscriptions) {
    const window = usageWindow(s, now, zone);
    const calls = count(s, window);
    if (calls === undefined) continue;
    out.set(s.id, {
      window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
      calls,
      ...(s.quota ? { quota: s.quota.limit } : {}),
      observedAt,
    });
  }
  return out;
}

/**
 * Puts each Subscription's usage in its status; one without a count (inactive, no counter)
 * loses a stale one. `previous` (by `namespace/name`) is what is stored: an unchanged count
 * keeps it, read time included, so an idle subscription costs no status write.
 */
export function attachUsage(statuses: readonly ObjectStatus[], usages: ReadonlyMap<string, SubscriptionUsage>, previous?: (id: string) => unknown): void {
  for (const s of statuses) {
    if (s.kind !== 'Subscription') continue;
    const id = `${s.namespace}/${s.name}`;
    const u = usages.get(id);
    if (!u) delete s.status.usage;
    else s.status.usage = sameCount(previous?.(id), u) ? previous!(id) : u;
  }
}

function sameCount(was: unknown, u: SubscriptionUsage): boolean {
  const w = was as Partial<SubscriptionUsage> | undefined;
  return w?.window?.start === u.window.start && w.window.end === u.window.end && w.calls === u.calls && w.quota === u.quota && typeof w.observedAt === 'string';
}

/** The usages without their read times, to tell whether anything worth writing changed. */
export function usageFingerprint(usages: ReadonlyMap<string, SubscriptionUsage>): string {
  return JSON.stringify([...usages].map(([id, u]) => [id, u.window.start, u.calls, u.quota ?? null]));
}
