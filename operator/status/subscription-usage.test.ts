import { describe, expect, it } from 'vitest';
import { parseTimeZone } from '../../gateway/limits/time-zone.ts';
import type { Subscription } from '../../gateway/snapshot/types.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { attachUsage, subscriptionUsages, usageFingerprint } from './subscription-usage.ts';

const now = Date.parse('2026-11-30T10:15:00Z');
const subs: Subscription[] = [
  { id: 'shop/a', application: 'shop/app', product: 'shop/p', quota: { limit: 100, interval: 2, timeUnit: 'hour' } },
  { id: 'shop/b', application: 'shop/app', product: 'shop/q' },
  { id: 'shop/c', application: 'shop/other', product: 'shop/p', quota: { limit: 10, interval: 1, timeUnit: 'month' } },
];

describe('subscriptionUsages', () => {
  it.each([
    ['UTC', 'shop/a', { start: '2026-11-30T10:00:00.000Z', end: '2026-11-30T12:00:00.000Z' }, 100],
    ['UTC', 'shop/b', { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, undefined],
    ['+05:30', 'shop/c', { start: '2026-10-31T18:30:00.000Z', end: '2026-11-30T18:30:00.000Z' }, 10],
  ])('in %s, %s is counted in its quota window (a month without one)', (zone, id, window, quota) => {
    const asked: Array<[string, number, number]> = [];
    const usages = subscriptionUsages(subs, (s, w) => (asked.push([s.id, w.start, w.end]), 7), now, parseTimeZone(zone));
    expect(usages.get(id)).toEqual({ window, calls: 7, ...(quota === undefined ? {} : { quota }), observedAt: '2026-11-30T10:15:00.000Z' });
    expect(asked.find((a) => a[0] === id)).toEqual([id, Date.parse(window.start), Date.parse(window.end)]);
  });

  it('leaves out a subscription its counter cannot count, and attachUsage removes a stale one', () => {
    const usages = subscriptionUsages(subs, (s) => (s.quota ? 3 : undefined), now, parseTimeZone('UTC'));
    expect([...usages.keys()]).toEqual(['shop/a', 'shop/c']);
    const status = (name: string): ObjectStatus => ({
      kind: 'Subscription',
      namespace: 'shop',
      name,
      generation: 1,
      status: { observedGeneration: 1, conditions: [], usage: { stale: true } },
    });
    const statuses = [status('a'), status('b')];
    attachUsage(statuses, usages);
    expect(statuses[0]!.status.usage).toMatchObject({ calls: 3, quota: 100 });
    expect(statuses[1]!.status).not.toHaveProperty('usage');
  });

  it('keeps the stored usage, read time included, while the count and window stay the same', () => {
    const status = (): ObjectStatus => ({
      kind: 'Subscription',
      namespace: 'shop',
      name: 'a',
      generation: 1,
      status: { observedGeneration: 1, conditions: [] },
    });
    const at = (t: number, calls: number) => subscriptionUsages(subs.slice(0, 1), () => calls, t, parseTimeZone('UTC'));
    const stored = at(now, 4).get('shop/a');
    const cases: Array<[number, number, string]> = [
      [now + 30_000, 4, '2026-11-30T10:15:00.000Z'],
      [now + 30_000, 5, '2026-11-30T10:15:30.000Z'],
      // 12:00 opens the next 2-hour window: a new read even at the same count.
      [Date.parse('2026-11-30T12:00:00Z'), 4, '2026-11-30T12:00:00.000Z'],
    ];
    for (const [t, calls, observedAt] of cases) {
      const s = status();
      attachUsage([s], at(t, calls), (id) => (id === 'shop/a' ? stored : undefined));
      expect(s.status.usage).toMatchObject({ calls, observedAt });
    }
  });

  it('fingerprints counts and windows but not the read time', () => {
    const at = (t: number, calls: number) => usageFingerprint(subscriptionUsages(subs, () => calls, t, parseTimeZone('UTC')));
    expect(at(now, 1)).toBe(at(now + 1_000, 1));
    expect(at(now, 1)).not.toBe(at(now, 2));
    expect(at(now, 1)).not.toBe(at(Date.parse('2026-11-30T12:00:00Z'), 1));
  });
});
