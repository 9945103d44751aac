import { describe, expect, it } from 'vitest';
import { parseDuration } from './durations.ts';

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['5s', 5000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['90d', 7_776_000_000],
    ['1m1ms', 60_001],
    ['', undefined],
    ['5', undefined],
    ['s', undefined],
    ['5 s', undefined],
    ['-5s', undefined],
    ['5sx', undefined],
    ['x5s', undefined],
    ['5S', undefined],
  ])('%j is %j, the first time and when remembered', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(text)).toBe(ms);
  });

  it('stays right once more distinct texts than it remembers have been read', () => {
    for (let i = 0; i < 3000; i++) expect(parseDuration(`${i}ms`)).toBe(i);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('nope')).toBeUndefined();
  });
});
