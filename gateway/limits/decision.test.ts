import { describe, expect, it } from 'vitest';
import { unavailable } from './decision.ts';
import type { LimitRequest } from './types.ts';

describe('unavailable', () => {
  const request: LimitRequest = {
    application: 'ns/a',
    product: 'ns/p',
    failureMode: 'open',
    quota: { limit: 10, interval: 2, timeUnit: 'hour' },
    rateLimit: { requests: 5, per: 'second', burst: 1 },
  };
  const window = { id: 'hour2:1', start: 0, end: 7_200_000 };

  it('fails open: admits, says why, advertises the policy but no remaining count', () => {
    expect(unavailable(request, window)).toEqual({
      allowed: true,
      reason: 'storeUnavailable',
      headers: { 'RateLimit-Policy': '"quota";q=10;w=7200, "spike";q=5;w=1;tollgate-burst=1' },
    });
  });

  it('fails closed: refuses with a short Retry-After for the 503', () => {
    const d = unavailable({ ...request, failureMode: 'closed' }, window);
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('storeUnavailable');
    expect(d.headers['Retry-After']).toBe('1');
    expect(d.headers.RateLimit).toBeUndefined();
  });
});
