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

/** RFC 9110 §9.3.2: HEAD is GET without the body, so wherever GET is allowed HEAD is too. */
export function methodAllowed(methods: readonly string[], method: string): boolean {
  return methods.length === 0 || methods.includes(method) || (method === 'HEAD' && methods.includes('GET'));
}

/** The `Allow` header for a set of method lists, HEAD included wherever GET is. */
export function allowHeader(methodLists: ReadonlyArray<readonly string[]>): string {
  const methods = new Set(methodLists.flat());
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].join(', ');
}
