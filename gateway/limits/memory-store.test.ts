import { describe, expect, it } from 'vitest';
import { limitStoreContract } from '../../test/gateway/limit-store-contract.ts';
import { MemoryLimitStore } from './memory-store.ts';

describe('MemoryLimitStore', () => {
  const store = new MemoryLimitStore();
  limitStoreContract(() => store);

  it('drops ended windows and full buckets, so memory follows live traffic only', async () => {
    const s = new MemoryLimitStore({ sweepIntervalMs: 60_000 });
    const start = Date.parse('2026-03-15T10:00:00Z');
    for (let i = 0; i < 3000; i++) {
      await s.check(
        {
          application: `ns/app-${i}`,
          product: 'ns/p',
          failureMode: 'open',
          quota: { limit: 10, interval: 1, timeUnit: 'minute' },
          rateLimit: { requests: 10, per: 'second', burst: 0 },
        },
        start + i,
      );
    }
    expect(s.size).toBeGreaterThan(0);
    expect(s.size).toBeLessThanOrEqual(6000);
    // Ten minutes later every window has ended and every bucket refilled: one live entry remains.
    await s.check({ application: 'ns/late', product: 'ns/p', failureMode: 'open', quota: { limit: 10, interval: 1, timeUnit: 'minute' } }, start + 600_000);
    expect(s.size).toBe(1);
  });

  it.each(['UTC', '+05:30', 'Europe/Berlin'])(
    'counts each product, operation and window apart when one application moves between them request by request (%s)',
    (timeZone) => {
      const s = new MemoryLimitStore({ timeZone });
      const quota = { limit: 3, interval: 1, timeUnit: 'minute' as const };
      const at = Date.parse('2026-03-29T00:59:59Z'); // the last second before Berlin's clocks go forward
      const request = (product: string, operation?: string) => ({
        application: 'ns/a',
        product,
        failureMode: 'open' as const,
        quota,
        ...(operation === undefined ? {} : { operation }),
      });
      const remaining = (product: string, now: number, operation?: string) => s.checkSync(request(product, operation), now).headers['RateLimit'];
      const seen = [
        remaining('ns/p', at),
        remaining('ns/q', at),
        remaining('ns/p', at, 'GET /x'),
        remaining('ns/p', at),
        remaining('ns/p', at + 1000), // the next minute: a new window
        remaining('ns/q', at),
        remaining('ns/p', at + 1000),
        remaining('ns/p', at),
      ];
      expect(seen.map((h) => /r=(\d+)/.exec(h ?? '')?.[1])).toEqual(['2', '2', '2', '1', '2', '1', '1', '0']);
    },
  );

  it('reports the use of a quota in the current window without counting, and a fresh window as unused', async () => {
    const s = new MemoryLimitStore();
    const quota = { limit: 10, interval: 1, timeUnit: 'hour' as const };
    const at = Date.parse('2026-03-15T10:20:00Z');
    for (let i = 0; i < 3; i++) await s.check({ application: 'ns/a', product: 'ns/p', failureMode: 'open', quota }, at);
    const usage = { application: 'ns/a', product: 'ns/p', quota };
    expect(s.usage(usage, at)).toEqual({ used: 3, limit: 10, windowStart: Date.parse('2026-03-15T10:00:00Z'), windowEnd: Date.parse('2026-03-15T11:00:00Z') });
    expect(s.usage(usage, at).used).toBe(3);
    expect(s.usage({ ...usage, application: 'ns/b' }, at).used).toBe(0);
    expect(s.usage(usage, Date.parse('2026-03-15T11:00:00Z')).used).toBe(0);
  });

  it('follows the configured time zone for calendar windows', async () => {
    const s = new MemoryLimitStore({ timeZone: 'Europe/Berlin' });
    const req = { application: 'ns/a', product: 'ns/p', failureMode: 'open' as const, quota: { limit: 1, interval: 1, timeUnit: 'day' as const } };
    // 23:30 UTC on the 15th is 00:30 on the 16th in Berlin (UTC+1): that day's window.
    expect((await s.check(req, Date.parse('2026-03-15T22:59:59Z'))).allowed).toBe(true);
    expect((await s.check(req, Date.parse('2026-03-15T23:30:00Z'))).allowed).toBe(true);
    const refused = await s.check(req, Date.parse('2026-03-15T23:45:00Z'));
    expect(refused.allowed).toBe(false);
    expect(refused.headers['Retry-After']).toBe(String(23 * 3600 + 15 * 60));
    expect((await s.check(req, Date.parse('2026-03-16T23:00:00Z'))).allowed).toBe(true);
  });

  it('rejects an unknown time zone when created', () => {
    expect(() => new MemoryLimitStore({ timeZone: 'Nowhere/Special' })).toThrow(RangeError);
  });
});
