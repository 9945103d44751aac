import { describe, expect, it } from 'vitest';
import { limitHeaders, policyHeader } from './headers.ts';

const now = Date.parse('2026-03-15T10:20:00Z');
const hour = { windowStart: Date.parse('2026-03-15T10:00:00Z'), windowEnd: Date.parse('2026-03-15T12:00:00Z') };

describe('RateLimit headers', () => {
  it('write the structured-field form of the current draft: "quota 10 per 2 hours"', () => {
    expect(limitHeaders({ now, quota: { limit: 10, used: 7, ...hour } })).toEqual({
      'RateLimit-Policy': '"quota";q=10;w=7200',
      RateLimit: '"quota";r=3;t=6000',
    });
  });

  it('list both policies, quota first, with the burst as a vendor parameter', () => {
    const headers = limitHeaders({
      now,
      quota: { limit: 10, used: 1, ...hour },
      spike: { rate: { requests: 5, per: 'minute', burst: 3 }, remaining: 2, resetMs: 24_000, retryAfterMs: 0 },
    });
    expect(headers).toEqual({
      'RateLimit-Policy': '"quota";q=10;w=7200, "spike";q=5;w=60;tollgate-burst=3',
      RateLimit: '"quota";r=9;t=6000, "spike";r=2;t=24',
    });
  });

  it('add Retry-After in whole seconds, rounding up, at least 1, the longest exhausted wait', () => {
    const spike = { rate: { requests: 10, per: 'second' as const, burst: 0 }, remaining: 0, resetMs: 40, retryAfterMs: 40 };
    expect(limitHeaders({ now, spike, refusedBy: 'rateLimit' })['Retry-After']).toBe('1');
    const both = limitHeaders({ now, quota: { limit: 1, used: 1, ...hour }, spike, refusedBy: 'quota' });
    expect(both['Retry-After']).toBe('6000');
    const spikeOnly = limitHeaders({ now, quota: { limit: 5, used: 1, ...hour }, spike: { ...spike, retryAfterMs: 2500 }, refusedBy: 'rateLimit' });
    expect(spikeOnly['Retry-After']).toBe('3');
  });

  it('omit everything when nothing limits the request', () => {
    expect(limitHeaders({ now })).toEqual({});
    expect(policyHeader(undefined, undefined)).toBeUndefined();
  });
});

describe('the RateLimit-Policy text kept from the last request', () => {
  it('is made again whenever the policy differs, so requests of different subscriptions in turn each get their own', () => {
    const rate = { requests: 5, per: 'minute' as const, burst: 3 };
    const sameValues = { ...rate };
    const day = { windowStart: hour.windowStart, windowEnd: hour.windowStart + 86_400_000 };
    const cases: Array<[Parameters<typeof policyHeader>, string | undefined]> = [
      [[{ limit: 10, ...hour }, rate], '"quota";q=10;w=7200, "spike";q=5;w=60;tollgate-burst=3'],
      [[{ limit: 10, ...hour }, undefined], '"quota";q=10;w=7200'],
      [[{ limit: 11, ...hour }, undefined], '"quota";q=11;w=7200'],
      [[{ limit: 11, ...day }, undefined], '"quota";q=11;w=86400'],
      [[undefined, rate], '"spike";q=5;w=60;tollgate-burst=3'],
      [[undefined, { ...rate, burst: 4 }], '"spike";q=5;w=60;tollgate-burst=4'],
      [[undefined, sameValues], '"spike";q=5;w=60;tollgate-burst=3'],
      [[undefined, undefined], undefined],
      [[{ limit: 10, ...hour }, rate], '"quota";q=10;w=7200, "spike";q=5;w=60;tollgate-burst=3'],
    ];
    for (let round = 0; round < 2; round++) for (const [args, text] of cases) expect(policyHeader(...args)).toBe(text);
  });
});
