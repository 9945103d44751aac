import { describe, expect, it } from 'vitest';
import { exceededJsonLimit } from './json-limits.ts';

const LIMITS = { maxDepth: 3, maxObjectKeys: 2, maxStringLength: 5, maxArrayLength: 3 };
const check = (text: string) => exceededJsonLimit(Buffer.from(text), LIMITS);

describe('JSON threat limits, one pass over the bytes', () => {
  it.each([
    ['{}', undefined],
    ['{"a":1,"b":[1,2,3]}', undefined],
    ['{"a":1,"b":2,"c":3}', 'an object has more than 2 keys'],
    [' { "a" : { "x" : 1 , "y" : 2 } , "b" : 2 } ', undefined],
    ['[1,2,3,4]', 'an array has more than 3 entries'],
    ['[[1,2,3],[1,2,3],[1,2,3]]', undefined],
    ['[[[1]]]', undefined],
    ['[[[[1]]]]', 'nesting is deeper than 3'],
    ['{"a":"12345"}', undefined],
    ['{"a":"123456"}', 'a string is longer than 5 bytes'],
    ['{"abcdef":1}', 'a string is longer than 5 bytes'],
    ['["a,b,c"]', undefined],
    ['["\\"\\"\\","]', 'a string is longer than 5 bytes'],
    ['{"a":"[[[[[["}', 'a string is longer than 5 bytes'],
    ['{"a":"[[["}', undefined],
    ['"just a string"', 'a string is longer than 5 bytes'],
    ['[]', undefined],
    ['[{},{},{}]', undefined],
  ])('%s', (text, expected) => {
    expect(check(text)).toBe(expected);
  });
});
