import { describe, expect, it } from 'vitest';
import { monthArg } from './usage.ts';

describe('tollgate usage --month', () => {
  it.each([
    ['previous', '2026-11-30T23:59:59Z', '2026-10'],
    ['previous', '2026-01-01T00:00:00Z', '2025-12'],
    ['previous', '2026-03-31T12:00:00Z', '2026-02'],
    ['2026-07', '2026-11-30T00:00:00Z', '2026-07'],
    ['nonsense', '2026-11-30T00:00:00Z', 'nonsense'],
  ])('%s at %s is %s', (value, now, month) => {
    expect(monthArg(value, Date.parse(now))).toBe(month);
  });
});
