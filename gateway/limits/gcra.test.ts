import { describe, expect, it } from 'vitest';
import { gcra, gcraParams } from './gcra.ts';

/** Drives one key through a list of arrival times and returns which were admitted. */
function run(params: ReturnType<typeof gcraParams>, arrivals: number[]): boolean[] {
  let tat: number | undefined;
  return arrivals.map((now) => {
    const r = gcra(tat, now, params);
    if (r.allowed) tat = r.tat;
    return r.allowed;
  });
}

describe('gcra', () => {
  it('smooths without burst: 10 per second admits one request every 100 ms', () => {
    const p = gcraParams({ requests: 10, per: 'second', burst: 0 });
    expect(run(p, [0, 1, 50, 99, 100, 150, 200])).toEqual([true, false, false, false, true, false, true]);
  });

  it('admits burst + 1 back to back from a full bucket, then the steady rate', () => {
    const p = gcraParams({ requests: 10, per: 'second', burst: 4 });
    const admitted = run(
      p,
      Array.from({ length: 8 }, () => 1000),
    );
    expect(admitted).toEqual([true, true, true, true, true, false, false, false]);
    // One emission interval later exactly one more is admitted.
    let tat: number | undefined;
    for (let i = 0; i < 5; i++) tat = gcra(tat, 1000, p).tat;
    expect(gcra(tat, 1099, p).allowed).toBe(false);
    const next = gcra(tat, 1100, p);
    expect(next.allowed).toBe(true);
    expect(gcra(next.tat, 1100, p).allowed).toBe(false);
  });

  it('reports remaining, retry-after and reset', () => {
    const p = gcraParams({ requests: 2, per: 'second', burst: 2 });
    const first = gcra(undefined, 0, p);
    expect(first).toMatchObject({ allowed: true, remaining: 2, resetMs: 500 });
    const second = gcra(first.tat, 0, p);
    const third = gcra(second.tat, 0, p);
    expect(third).toMatchObject({ allowed: true, remaining: 0, resetMs: 1500 });
    const refused = gcra(third.tat, 100, p);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, tat: third.tat });
    expect(refused.retryAfterMs).toBeCloseTo(400, 6);
  });

  it('refills fully after a pause and does not bank more than the burst', () => {
    const p = gcraParams({ requests: 1, per: 'minute', burst: 2 });
    const arrivals = [0, 0, 0, 0, 10 * 60_000, 10 * 60_000, 10 * 60_000, 10 * 60_000];
    expect(run(p, arrivals)).toEqual([true, true, true, false, true, true, true, false]);
  });

  it('handles rates that do not divide the period: 3 per second', () => {
    const p = gcraParams({ requests: 3, per: 'second', burst: 0 });
    const arrivals = Array.from({ length: 30 }, (_, i) => i * (1000 / 3));
    expect(run(p, arrivals).every(Boolean)).toBe(true);
    expect(
      run(
        p,
        Array.from({ length: 3000 }, (_, i) => i),
      ).filter(Boolean),
    ).toHaveLength(9);
  });
});
