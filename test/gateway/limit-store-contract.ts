import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Quota, RateLimit } from '../../gateway/snapshot/types.ts';
import type { LimitRequest, LimitStore } from '../../gateway/limits/types.ts';

/**
 * Behaviour every LimitStore must show, run against the memory store and the Redis store
 * alike, with injected time. Each test uses fresh application ids so that a shared Redis
 * carries nothing from one test to the next.
 */
export function limitStoreContract(store: () => LimitStore): void {
  const t = (iso: string) => Date.parse(iso);
  const fresh = (quota?: Quota, rateLimit?: RateLimit, extra: Partial<LimitRequest> = {}): LimitRequest => ({
    application: `team-a/app-${randomUUID().slice(0, 8)}`,
    product: 'team-a/gold',
    failureMode: 'open',
    ...(quota ? { quota } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...extra,
  });
  const hourly: Quota = { limit: 5, interval: 1, timeUnit: 'hour' };

  it('admits exactly the quota, then refuses with headers and Retry-After', async () => {
    const req = fresh(hourly);
    const now = t('2026-03-15T10:20:00Z');
    for (let i = 1; i <= 5; i++) {
      const d = await store().check(req, now);
      expect(d).toEqual({
        allowed: true,
        headers: { 'RateLimit-Policy': '"quota";q=5;w=3600', RateLimit: `"quota";r=${5 - i};t=2400` },
      });
    }
    const refused = await store().check(req, now + 500);
    expect(refused).toEqual({
      allowed: false,
      reason: 'quota',
      headers: { 'RateLimit-Policy': '"quota";q=5;w=3600', RateLimit: '"quota";r=0;t=2400', 'Retry-After': '2400' },
    });
  });

  it("reports a quota's use in the current window without counting it, zero in the next window", async () => {
    const s = store();
    const req = fresh(hourly);
    const now = t('2026-03-15T10:20:00Z');
    for (let i = 0; i < 3; i++) await s.check(req, now);
    const usage = { application: req.application, product: req.product, quota: hourly };
    const expected = { used: 3, limit: 5, windowStart: t('2026-03-15T10:00:00Z'), windowEnd: t('2026-03-15T11:00:00Z') };
    expect(await s.usage!(usage, now)).toEqual(expected);
    expect(await s.usage!(usage, now)).toEqual(expected);
    expect((await s.usage!(usage, t('2026-03-15T11:00:00Z'))).used).toBe(0);
    expect((await s.usage!({ ...usage, application: 'team-a/other' }, now)).used).toBe(0);
  });

  it('does not count refused requests and resets exactly at the window boundary', async () => {
    const req = fresh({ limit: 2, interval: 2, timeUnit: 'hour' });
    const inWindow = t('2026-03-15T10:00:00Z');
    const lastMs = t('2026-03-15T11:59:59.999Z');
    expect((await store().check(req, inWindow)).allowed).toBe(true);
    expect((await store().check(req, inWindow)).allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect((await store().check(req, lastMs)).reason).toBe('quota');
    const last = await store().check(req, lastMs);
    expect(last.headers['Retry-After']).toBe('1');
    const next = t('2026-03-15T12:00:00Z');
    const first = await store().check(req, next);
    expect(first.allowed).toBe(true);
    expect(first.headers.RateLimit).toBe('"quota";r=1;t=7200');
    expect((await store().check(req, next)).allowed).toBe(true);
    expect((await store().check(req, next)).allowed).toBe(false);
  });

  it('resets a monthly quota on the 1st, leap day included', async () => {
    const req = fresh({ limit: 1, interval: 1, timeUnit: 'month' });
    expect((await store().check(req, t('2024-02-01T00:00:00Z'))).allowed).toBe(true);
    const leapDay = await store().check(req, t('2024-02-29T23:59:59Z'));
    expect(leapDay).toMatchObject({ allowed: false, reason: 'quota' });
    expect(leapDay.headers['RateLimit-Policy']).toBe(`"quota";q=1;w=${29 * 86400}`);
    expect(leapDay.headers['Retry-After']).toBe('1');
    expect((await store().check(req, t('2024-03-01T00:00:00Z'))).allowed).toBe(true);
  });

  it('counts an operation quota apart from the product quota and from other operations', async () => {
    const product = fresh({ limit: 2, interval: 1, timeUnit: 'day' });
    const now = t('2026-03-15T10:00:00Z');
    const opQuota: Quota = { limit: 3, interval: 1, timeUnit: 'day' };
    const search = { ...product, operation: 'GET /search', quota: opQuota };
    const upload = { ...product, operation: 'POST /upload', quota: opQuota };
    expect((await store().check(product, now)).allowed).toBe(true);
    expect((await store().check(product, now)).allowed).toBe(true);
    expect((await store().check(product, now)).reason).toBe('quota');
    for (let i = 0; i < 3; i++) expect((await store().check(search, now)).allowed).toBe(true);
    expect((await store().check(search, now)).reason).toBe('quota');
    expect((await store().check(upload, now)).headers.RateLimit).toBe('"quota";r=2;t=50400');
    const otherApp = { ...product, application: `${product.application}-other` };
    expect((await store().check(otherApp, now)).allowed).toBe(true);
  });

  it('refuses everything under a zero quota', async () => {
    const d = await store().check(fresh({ limit: 0, interval: 1, timeUnit: 'minute' }), t('2026-03-15T10:00:30Z'));
    expect(d).toMatchObject({ allowed: false, reason: 'quota', headers: { 'Retry-After': '30' } });
  });

  it('admits everything with no quota and no spike arrest, without headers', async () => {
    expect(await store().check(fresh(), t('2026-03-15T10:00:00Z'))).toEqual({ allowed: true, headers: {} });
  });

  it('spike arrest admits burst + 1 at once, then one per emission interval', async () => {
    const req = fresh(undefined, { requests: 10, per: 'second', burst: 2 });
    const now = t('2026-03-15T10:00:00Z');
    const policy = '"spike";q=10;w=1;tollgate-burst=2';
    const first = await store().check(req, now);
    expect(first).toEqual({ allowed: true, headers: { 'RateLimit-Policy': policy, RateLimit: '"spike";r=2;t=1' } });
    expect((await store().check(req, now)).allowed).toBe(true);
    expect((await store().check(req, now)).headers.RateLimit).toBe('"spike";r=0;t=1');
    const refused = await store().check(req, now + 50);
    expect(refused).toEqual({
      allowed: false,
      reason: 'rateLimit',
      headers: { 'RateLimit-Policy': policy, RateLimit: '"spike";r=0;t=1', 'Retry-After': '1' },
    });
    expect((await store().check(req, now + 99)).allowed).toBe(false);
    expect((await store().check(req, now + 100)).allowed).toBe(true);
    expect((await store().check(req, now + 100)).allowed).toBe(false);
    // A second's pause refills the bucket to burst + 1 and no further.
    const later = now + 2000;
    const admitted = [];
    for (let i = 0; i < 5; i++) admitted.push((await store().check(req, later)).allowed);
    expect(admitted).toEqual([true, true, true, false, false]);
  });

  it('a request refused by spike arrest does not use quota, nor one refused by quota the spike allowance', async () => {
    const now = t('2026-03-15T10:00:00Z');
    const both = fresh({ limit: 3, interval: 1, timeUnit: 'minute' }, { requests: 1, per: 'second', burst: 0 });
    expect((await store().check(both, now)).headers.RateLimit).toBe('"quota";r=2;t=60, "spike";r=0;t=1');
    for (let i = 0; i < 5; i++) {
      const spiked = await store().check(both, now + 10);
      expect(spiked.reason).toBe('rateLimit');
      expect(spiked.headers.RateLimit).toBe('"quota";r=2;t=60, "spike";r=0;t=1');
    }
    expect((await store().check(both, now + 1000)).headers.RateLimit).toBe('"quota";r=1;t=59, "spike";r=0;t=1');
    expect((await store().check(both, now + 2000)).allowed).toBe(true);
    const quotaRefused = await store().check(both, now + 3000);
    expect(quotaRefused).toMatchObject({ allowed: false, reason: 'quota' });
    // Spike arrest would have admitted it and still would: its allowance is untouched.
    expect(quotaRefused.headers.RateLimit).toBe('"quota";r=0;t=57, "spike";r=1;t=0');
    expect(quotaRefused.headers['RateLimit-Policy']).toBe('"quota";q=3;w=60, "spike";q=1;w=1;tollgate-burst=0');
    expect(quotaRefused.headers['Retry-After']).toBe('57');
  });
}
