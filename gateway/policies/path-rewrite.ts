import type { PathRewrite } from '../snapshot/types.ts';

/**
 * Rewrites toward the upstream. `segments` are the decoded segments after the base path;
 * the rewritten path is built from the same percent-encoded form the gateway would
 * otherwise forward, so a captured `%2F` can never become a new segment.
 */
export interface CompiledRewrite {
  literal: readonly (string | undefined)[];
  names: readonly string[];
  rest: PathRewrite['match']['rest'];
  to: readonly (string | { param: string } | { rest: true })[];
}

const PLACEHOLDER = /\{(\*\*|[A-Za-z_][A-Za-z0-9_]*)\}/g;

export function compileRewrites(rules: readonly PathRewrite[], errors: string[], where: string): CompiledRewrite[] {
  return rules.flatMap((rule, i) => {
    const names = rule.params;
    const to: CompiledRewrite['to'][number][] = [];
    let last = 0;
    let bad = false;
    for (const m of rule.to.matchAll(PLACEHOLDER)) {
      if (m.index > last) to.push(rule.to.slice(last, m.index));
      const name = m[1]!;
      if (name === '**') to.push({ rest: true });
      else if (names.includes(name)) to.push({ param: name });
      else {
        errors.push(`${where}[${i}].to: {${name}} is not captured by ${rule.match.pattern}`);
        bad = true;
      }
      last = m.index + m[0].length;
    }
    if (last < rule.to.length) to.push(rule.to.slice(last));
    if (bad) return [];
    const literal = rule.match.segments.map((s, k) => (s === '*' ? undefined : names[k] ? undefined : s));
    return [{ literal, names, rest: rule.match.rest, to }];
  });
}

/**
 * The upstream path (relative to the upstream URL) for the first rule that matches, or
 * undefined to forward the path unchanged. `encoded` are the path's segments as sent
 * (canonical, percent-encoded), `decoded` the same segments decoded.
 */
export function rewritePath(rules: readonly CompiledRewrite[], encoded: readonly string[], decoded: readonly string[]): string | undefined {
  for (const rule of rules) {
    const n = rule.literal.length;
    if (encoded.length < n) continue;
    if (rule.rest === 'none' && encoded.length !== n) continue;
    if (rule.rest === 'oneOrMore' && encoded.length === n) continue;
    let matched = true;
    for (let k = 0; k < n && matched; k++) {
      const lit = rule.literal[k];
      if (lit !== undefined && lit !== decoded[k]) matched = false;
    }
    if (!matched) continue;
    let out = '';
    for (const part of rule.to) {
      if (typeof part === 'string') out += part;
      else if ('rest' in part) out += encoded.length > n ? '/' + encoded.slice(n).join('/') : '';
      else out += encoded[rule.names.indexOf(part.param)] ?? '';
    }
    return out;
  }
  return undefined;
}
