import { describe, expect, it } from 'vitest';
import { matchesPath } from '../../gateway/router/path-match.ts';
import { compilePath } from './paths.ts';

const seg = (p: string): string[] => (p === '/' ? [] : p.slice(1).split('/'));

// Apigee's semantics (relative to the API's base path, e.g. /v1/weatherapikey):
// `/` is the base path and all below it, `/**` everything below, `/*` one level down.
const table: Array<[pattern: string, path: string, matches: boolean]> = [
  ['/', '/', true],
  ['/', '/forecastrss', true],
  ['/', '/region/CA', true],
  ['/**', '/', false],
  ['/**', '/forecastrss', true],
  ['/**', '/region/CA/x', true],
  ['/*', '/', false],
  ['/*', '/forecastrss', true],
  ['/*', '/region/CA', false],
  ['/forecastrss', '/forecastrss', true],
  ['/forecastrss', '/forecastrss/x', false],
  ['/forecastrss', '/', false],
  ['/forecastrss', '/forecastRSS', false],
  ['/region/*', '/region/CA', true],
  ['/region/*', '/region', false],
  ['/region/*', '/region/CA/SF', false],
  ['/region/**', '/region', false],
  ['/region/**', '/region/CA', true],
  ['/region/**', '/region/CA/SF', true],
  ['/*/forecast', '/CA/forecast', true],
  ['/*/forecast', '/CA/SF/forecast', false],
  ['/a/*/b/**', '/a/x/b/c', true],
  ['/a/*/b/**', '/a/x/b', false],
];

describe('product path patterns', () => {
  it.each(table)('%s against %s -> %s', (pattern, path, expected) => {
    const r = compilePath(pattern, false);
    if (!r.ok) throw new Error(r.message);
    expect(matchesPath(r.match, seg(path), 0)).toBe(expected);
  });
});

describe('operation templates', () => {
  it.each([
    ['/users/{id}', '/users/42', true],
    ['/users/{id}', '/users', false],
    ['/users/{id}/orders/**', '/users/42/orders/7', true],
    ['/users/{id}/orders/**', '/users/42/orders', false],
  ] as const)('%s against %s -> %s', (pattern, path, expected) => {
    const r = compilePath(pattern, true);
    if (!r.ok) throw new Error(r.message);
    expect(matchesPath(r.match, seg(path), 0)).toBe(expected);
  });
});

describe('invalid patterns', () => {
  it.each([
    ['/a/../b', false, 'dot segment'],
    ['/a/./b', false, 'dot segment'],
    ['/a//b', false, 'empty segment'],
    ['/a/**/b', false, '** may only end'],
    ['/users/{id}', false, 'belong in API operations'],
    ['/a%2Fb', false, 'may not contain'],
    ['/a*', false, 'may not contain'],
    ['a', false, 'must start with /'],
  ] as const)('%s is refused', (pattern, params, message) => {
    const r = compilePath(pattern, params);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});
