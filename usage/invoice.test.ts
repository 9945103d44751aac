import { describe, expect, it } from 'vitest';
import { lineFor, monthPeriod, planDays, usageCents } from './invoice.ts';

type Day = Map<string, { billable: number; requests: number }>;
const day = (plans: Record<string, number>): Day => new Map(Object.entries(plans).map(([p, n]) => [p, { billable: n, requests: n }]));

describe('planDays: which plan was in force each day', () => {
  it.each([
    { name: 'one plan, calls on some days: all month', daily: { 5: { gold: 10 } }, days: 30, want: { gold: 30 } },
    {
      name: 'a change: days before the first call take the first plan',
      daily: { 3: { bronze: 1 }, 11: { gold: 5 } },
      days: 30,
      want: { bronze: 10, gold: 20 },
    },
    {
      name: 'a mixed day goes to the plan with more billable calls',
      daily: { 1: { bronze: 9 }, 2: { bronze: 3, gold: 4 } },
      days: 28,
      want: { bronze: 1, gold: 27 },
    },
    { name: 'back and forth', daily: { 1: { a: 1 }, 10: { b: 1 }, 20: { a: 1 } }, days: 31, want: { a: 9 + 12, b: 10 } },
    { name: 'a tie goes to the name first in order', daily: { 1: { b: 2, a: 2 } }, days: 30, want: { a: 30 } },
  ])('$name', ({ daily, days, want }) => {
    const input = new Map(Object.entries(daily).map(([d, plans]) => [Number(d), day(plans)]));
    expect(Object.fromEntries(planDays(input, days))).toEqual(want);
  });
});

describe('usageCents: volume bands per 1,000 calls', () => {
  const pricing = { currency: 'EUR', bands: [{ upTo: 1000, pricePer1000: 2 }, { upTo: 5000, pricePer1000: 1.5 }, { pricePer1000: 0.25 }] };
  it.each([
    [0, 0],
    [1, 0], // 0.002 EUR rounds to 0 cents
    [3, 1], // 0.006 -> 0.01
    [1000, 200],
    [1500, 275],
    [5000, 800],
    [105_000, 800 + 2500],
  ])('%i calls cost %i cents', (calls, cents) => {
    expect(usageCents(calls, pricing)).toBe(cents);
  });

  it('charges nothing past the last band that has an end, and nothing without bands', () => {
    expect(usageCents(10_000, { currency: 'EUR', bands: [{ upTo: 1000, pricePer1000: 1 }] })).toBe(100);
    expect(usageCents(10_000, { currency: 'EUR' })).toBe(0);
  });
});

describe('lineFor', () => {
  it('prorates fee and included calls by days, rounding the fee half up to the cent', () => {
    expect(lineFor('a', 'p', 'gold', 1, 31, 0, { currency: 'USD', monthlyFee: 10, includedCalls: 100 })).toMatchObject({
      feeCents: 32,
      includedCalls: 3,
      totalCents: 32,
    });
    expect(lineFor('a', 'p', 'gold', 31, 31, 150, { currency: 'USD', monthlyFee: 10, includedCalls: 100, bands: [{ pricePer1000: 10 }] })).toMatchObject({
      feeCents: 1000,
      chargedCalls: 50,
      usageCents: 50,
      totalCents: 1050,
    });
  });

  it('says so when the plan has no pricing', () => {
    expect(lineFor('a', 'p', 'free', 30, 30, 99, undefined)).toMatchObject({ totalCents: 0, billableCalls: 99, note: 'plan has no pricing' });
  });
});

describe('monthPeriod', () => {
  it.each([
    ['2026-11', 30],
    ['2026-02', 28],
    ['2028-02', 29],
    ['2026-12', 31],
  ])('%s has %i days', (month, days) => {
    expect(monthPeriod(month)?.days).toBe(days);
  });

  it.each(['2026-13', '2026-1', 'nov', '2026-11-01'])('refuses %s', (month) => {
    expect(monthPeriod(month)).toBeUndefined();
  });
});
