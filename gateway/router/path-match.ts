import type { PathMatch } from '../snapshot/types.ts';

/**
 * Whether `segments[from..]` (decoded, relative to an API's base path) fit a pattern.
 * `*` takes exactly one non-empty segment; `rest` says how many may follow.
 */
export function matchesPath(match: PathMatch, segments: readonly string[], from: number): boolean {
  const fixed = match.segments.length;
  const available = segments.length - from;
  if (available < fixed) return false;
  for (let i = 0; i < fixed; i++) {
    const want = match.segments[i]!;
    const got = segments[from + i]!;
    if (want === '*' ? got === '' : want !== got) return false;
  }
  switch (match.rest) {
    case 'none':
      return available === fixed;
    case 'oneOrMore':
      return available > fixed;
    case 'any':
      return true;
  }
}

export function methodAllowed(methods: readonly string[], method: string): boolean {
  return methods.length === 0 || methods.includes(method);
}
