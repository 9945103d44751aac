import { describe, expect, it } from 'vitest';
import type { TimeUnit } from '../snapshot/types.ts';
import { parseTimeZone } from './time-zone.ts';
import { quotaWindow } from './windows.ts';

const utc = parseTimeZone('UTC');
const t = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('quotaWindow in UTC', () => {
  const cases: Array<[string, number, TimeUnit, string, string, string]> = [
    // [name, interval, unit, now, start, end]
    ['minute', 1, 'minute', '2026-03-15T10:37:42.123Z', '2026-03-15T10:37:00Z', '2026-03-15T10:38:00Z'],
    ['15 minutes', 15, 'minute', '2026-03-15T10:37:42Z', '2026-03-15T10:30:00Z', '2026-03-15T10:45:00Z'],
    ['hour', 1, 'hour', '2026-03-15T10:37:42Z', '2026-03-15T10:00:00Z', '2026-03-15T11:00:00Z'],
    ['2 hours: last ms of an even window', 2, 'hour', '2026-03-15T11:59:59.999Z', '2026-03-15T10:00:00Z', '2026-03-15T12:00:00Z'],
    ['2 hours: first ms of the next', 2, 'hour', '2026-03-15T12:00:00.000Z', '2026-03-15T12:00:00Z', '2026-03-15T14:00:00Z'],
    ['2 hours before the epoch', 2, 'hour', '1969-12-31T23:30:00Z', '1969-12-31T22:00:00Z', '1970-01-01T00:00:00Z'],
    ['day', 1, 'day', '2026-03-15T23:59:59.999Z', '2026-03-15T00:00:00Z', '2026-03-16T00:00:00Z'],
    ['week starts Monday (now is Sunday)', 1, 'week', '2026-03-15T12:00:00Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z'],
    ['week: Monday 00:00 opens a new week', 1, 'week', '2026-03-16T00:00:00Z', '2026-03-16T00:00:00Z', '2026-03-23T00:00:00Z'],
    ['month: last ms of January', 1, 'month', '2026-01-31T23:59:59.999Z', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'],
    ['month: resets on the 1st', 1, 'month', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['month: February of a leap year', 1, 'month', '2024-02-29T12:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['month: February 2100 (no leap day)', 1, 'month', '2100-02-28T12:00:00Z', '2100-02-01T00:00:00Z', '2100-03-01T00:00:00Z'],
    ['month: December rolls into next year', 1, 'month', '2026-12-31T23:59:59.999Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['2 months', 2, 'month', '2026-02-10T00:00:00Z', '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['quarter', 3, 'month', '2026-05-20T00:00:00Z', '2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z'],
    ['12 months is a calendar year', 12, 'month', '2026-06-01T00:00:00Z', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['year: last ms of a leap year', 1, 'year', '2024-12-31T23:59:59.999Z', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z'],
    ['year: resets on January 1st', 1, 'year', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['2 years start in even years', 2, 'year', '2025-06-01T00:00:00Z', '2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
  ];
  it.each(cases)('%s', (_name, interval, timeUnit, now, start, end) => {
    const w = quotaWindow({ interval, timeUnit }, t(now), utc);
    expect(new Date(w.start).toISOString()).toBe(new Date(t(start)).toISOString());
    expect(new Date(w.end).toISOString()).toBe(new Date(t(end)).toISOString());
  });

  it('gives leap years 366 days and others 365', () => {
    const len = (iso: string) => {
      const w = quotaWindow({ interval: 1, timeUnit: 'year' }, t(iso), utc);
      return (w.end - w.start) / DAY;
    };
    expect(len('2024-07-01T00:00:00Z')).toBe(366);
    expect(len('2000-07-01T00:00:00Z')).toBe(366);
    expect(len('2100-07-01T00:00:00Z')).toBe(365);
    expect(len('2026-07-01T00:00:00Z')).toBe(365);
  });

  it('tiles odd intervals from the epoch without gaps: 5 hours, 2 weeks, 5 months', () => {
    for (const [interval, timeUnit] of [
      [5, 'hour'],
      [2, 'week'],
      [5, 'month'],
    ] as const) {
      let now = t('2026-01-01T00:00:00Z');
      let previous = quotaWindow({ interval, timeUnit }, now, utc);
      for (let i = 0; i < 30; i++) {
        now = previous.end;
        const next = quotaWindow({ interval, timeUnit }, now, utc);
        expect(next.start).toBe(previous.end);
        expect(next.id).not.toBe(previous.id);
        previous = next;
      }
    }
    const fiveHours = quotaWindow({ interval: 5, timeUnit: 'hour' }, t('2026-03-15T10:37:00Z'), utc);
    expect(fiveHours.start % (5 * HOUR)).toBe(0);
    const twoWeeks = quotaWindow({ interval: 2, timeUnit: 'week' }, t('2026-03-15T10:37:00Z'), utc);
    expect(new Date(twoWeeks.start).getUTCDay()).toBe(1);
    expect(twoWeeks.end - twoWeeks.start).toBe(14 * DAY);
  });

  it('keeps the same id within a window and changes it at the boundary', () => {
    const q = { interval: 1, timeUnit: 'month' } as const;
    const a = quotaWindow(q, t('2026-03-01T00:00:00Z'), utc);
    const b = quotaWindow(q, t('2026-03-31T23:59:59.999Z'), utc);
    const c = quotaWindow(q, t('2026-04-01T00:00:00Z'), utc);
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(a.id).toBe('month1:674');
  });

  it('ignores daylight saving time in UTC: days stay 24 hours on EU and US change days', () => {
    for (const day of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
      const w = quotaWindow({ interval: 1, timeUnit: 'day' }, t(`${day}T12:00:00Z`), utc);
      expect(new Date(w.start).toISOString()).toBe(`${day}T00:00:00.000Z`);
      expect(w.end - w.start).toBe(DAY);
    }
  });
});

describe('quotaWindow in other zones', () => {
  it('aligns to the wall clock of a fixed offset', () => {
    const ist = parseTimeZone('+05:30');
    const day = quotaWindow({ interval: 1, timeUnit: 'day' }, t('2026-03-15T20:00:00Z'), ist);
    expect(new Date(day.start).toISOString()).toBe('2026-03-15T18:30:00.000Z');
    expect(new Date(day.end).toISOString()).toBe('2026-03-16T18:30:00.000Z');
    const hour = quotaWindow({ interval: 1, timeUnit: 'hour' }, t('2026-03-15T20:00:00Z'), ist);
    expect(new Date(hour.start).toISOString()).toBe('2026-03-15T19:30:00.000Z');
  });

  it('resets a monthly quota at local midnight on the 1st of a named zone', () => {
    const berlin = parseTimeZone('Europe/Berlin');
    // 00:30 on 1 April in Berlin (summer time, UTC+2).
    const april = quotaWindow({ interval: 1, timeUnit: 'month' }, t('2026-03-31T22:30:00Z'), berlin);
    expect(new Date(april.start).toISOString()).toBe('2026-03-31T22:00:00.000Z');
    expect(new Date(april.end).toISOString()).toBe('2026-04-30T22:00:00.000Z');
    // March began in winter time (UTC+1) and lost an hour to the change.
    const march = quotaWindow({ interval: 1, timeUnit: 'month' }, t('2026-03-31T21:59:59.999Z'), berlin);
    expect(new Date(march.start).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(march.end).toBe(april.start);
  });

  it('follows DST change days in a named zone: 23 and 25 hour days', () => {
    const berlin = parseTimeZone('Europe/Berlin');
    const spring = quotaWindow({ interval: 1, timeUnit: 'day' }, t('2026-03-29T12:00:00Z'), berlin);
    expect(new Date(spring.start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(spring.end - spring.start).toBe(23 * HOUR);
    const autumn = quotaWindow({ interval: 1, timeUnit: 'day' }, t('2026-10-25T12:00:00Z'), berlin);
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
  });

  it('keeps hour windows contiguous across a named zone DST change', () => {
    const berlin = parseTimeZone('Europe/Berlin');
    for (const from of ['2026-03-28T20:00:00Z', '2026-10-24T20:00:00Z']) {
      let w = quotaWindow({ interval: 1, timeUnit: 'hour' }, t(from), berlin);
      for (let i = 0; i < 12; i++) {
        const next = quotaWindow({ interval: 1, timeUnit: 'hour' }, w.end, berlin);
        expect(next.start).toBe(w.end);
        expect(next.end).toBeGreaterThan(next.start);
        w = next;
      }
    }
  });

  it('refuses an unknown zone or a malformed offset', () => {
    expect(() => parseTimeZone('Mars/Olympus')).toThrow(RangeError);
    expect(() => parseTimeZone('+25:00')).toThrow(RangeError);
  });
});
