import { describe, expect, it } from 'vitest';
import { canonicaliseTarget } from '../canonical/canonicalise-target.ts';
import type { PathMatch } from '../snapshot/types.ts';
import { matchesPath } from './path-match.ts';

// This matcher is the meaning of PathMatch: the compiler's tests use it too, so the
// operator and the gateway cannot disagree about what a pattern covers.
const m = (pattern: string, segments: string[], rest: PathMatch['rest']): PathMatch => ({ pattern, segments, rest });
const root = m('/', [], 'any');
const below = m('/**', [], 'oneOrMore');
const one = m('/*', ['*'], 'none');
const literal = m('/users', ['users'], 'none');
const param = m('/users/{id}', ['users', '*'], 'none');
const under = m('/users/**', ['users'], 'oneOrMore');

/** Segments of a request path under the base path `/base`, as the gateway canonicalises them. */
function underBase(path: string): string[] {
  const t = canonicaliseTarget(`/base${path}`);
  if (!t.ok) throw new Error(`${path}: ${t.reason}`);
  return t.segments;
}

describe('matchesPath', () => {
  it.each<{ pattern: PathMatch; path: string; matches: boolean }>([
    // `/`: the base path and everything under it.
    { pattern: root, path: '', matches: true },
    { pattern: root, path: '/a', matches: true },
    { pattern: root, path: '/a/b/', matches: true },
    // `/**`: anything below the base path, not the base path itself.
    { pattern: below, path: '', matches: false },
    { pattern: below, path: '/a', matches: true },
    { pattern: below, path: '/a/b', matches: true },
    // A trailing slash is one more, empty, segment: `/**` counts it, `*` never takes it.
    { pattern: below, path: '/', matches: true },
    { pattern: one, path: '/', matches: false },
    { pattern: one, path: '/a', matches: true },
    { pattern: one, path: '/a/', matches: false },
    { pattern: one, path: '/a/b', matches: false },
    // Literal paths match exactly: case, depth and trailing slash.
    { pattern: literal, path: '/users', matches: true },
    { pattern: literal, path: '/Users', matches: false },
    { pattern: literal, path: '/users/', matches: false },
    { pattern: literal, path: '/users/1', matches: false },
    { pattern: literal, path: '', matches: false },
    // `*` is one non-empty segment, percent-decoded before it is compared.
    { pattern: param, path: '/users/42', matches: true },
    { pattern: param, path: '/users/caf%C3%A9', matches: true },
    { pattern: param, path: '/users/', matches: false },
    { pattern: param, path: '/users', matches: false },
    { pattern: param, path: '/users/42/x', matches: false },
    { pattern: under, path: '/users', matches: false },
    { pattern: under, path: '/users/', matches: true },
    { pattern: under, path: '/users/42/orders', matches: true },
  ])('$pattern.pattern against /base$path -> $matches', ({ pattern, path, matches }) => {
    expect(matchesPath(pattern, underBase(path), 1)).toBe(matches);
  });

  it('matches relative to `from`, ignoring the base path segments', () => {
    expect(matchesPath(literal, ['users'], 0)).toBe(true);
    expect(matchesPath(literal, ['users', 'users'], 1)).toBe(true);
    expect(matchesPath(literal, ['users'], 1)).toBe(false);
  });
});
