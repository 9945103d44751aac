import type { PathMatch } from './types.ts';

/**
 * Whether a path relative to an API's base path, as canonical non-empty
 * segments (`[]` is the base path itself), falls under a pattern.
 * This is the meaning of `PathMatch`; the gateway's matchers must agree with it.
 */
export function matchesPath(match: PathMatch, segments: readonly string[]): boolean {
  const fixed = match.segments.length;
  if (segments.length < fixed) return false;
  for (let i = 0; i < fixed; i++) {
    const want = match.segments[i];
    if (want !== '*' && want !== segments[i]) return false;
  }
  const extra = segments.length - fixed;
  switch (match.rest) {
    case 'none':
      return extra === 0;
    case 'oneOrMore':
      return extra >= 1;
    case 'any':
      return true;
  }
}
