import type { PathMatch } from '../../gateway/snapshot/types.ts';

export type PathResult = { ok: true; match: PathMatch } | { ok: false; message: string };

/**
 * Compiles an Apigee resource path (APIProduct operations) or an operation
 * template (API operations, which also take `{param}`) into a PathMatch.
 * `/`: the base path and everything under it; `/**`: one or more segments below;
 * `/*`: exactly one; a literal: only itself.
 */
export function compilePath(pattern: string, allowParams: boolean): PathResult {
  if (pattern === '/') return { ok: true, match: { pattern, segments: [], rest: 'any' } };
  if (!pattern.startsWith('/')) return { ok: false, message: `path ${pattern} must start with /` };
  const parts = pattern.slice(1).split('/');
  let rest: PathMatch['rest'] = 'none';
  if (parts[parts.length - 1] === '**') {
    parts.pop();
    rest = 'oneOrMore';
  }
  // The segments are written over the split parts: an array of exact size, where pushing to a new one keeps room for 17.
  const segments = parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') return { ok: false, message: `path ${pattern} has an empty segment` };
    if (part === '.' || part === '..') return { ok: false, message: `path ${pattern} has a dot segment, which no canonical request path contains` };
    if (part === '**') return { ok: false, message: `path ${pattern}: ** may only end a path` };
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(part)) {
      if (!allowParams) return { ok: false, message: `path ${pattern}: {param} templates belong in API operations; products use * and **` };
      segments[i] = '*';
      continue;
    }
    if (part !== '*' && /[*{}%;\\?#]/.test(part)) return { ok: false, message: `path ${pattern}: segment ${part} may not contain * { } % ; \\ ? #` };
  }
  return { ok: true, match: { pattern, segments, rest } };
}

/** Two patterns that match exactly the same paths (so the second is redundant). */
export function samePathMatch(a: PathMatch, b: PathMatch): boolean {
  return a.rest === b.rest && a.segments.length === b.segments.length && a.segments.every((s, i) => s === b.segments[i]);
}
