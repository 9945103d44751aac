import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Relative imports of the tree's TypeScript files: what the boundary test checks
// and what the test projects are drawn from.
export const root = path.resolve(import.meta.dirname, '../..');

export function* sourceFiles(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

// Static imports, re-exports and dynamic import() of relative specifiers.
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Repository-relative paths a file imports, given its text. */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) found.push(path.relative(root, path.resolve(path.dirname(file), match[1]!)));
  return found;
}

/** What a test needs beyond Node: a Redis server, the Go-built control plane, a PostgreSQL server or Prometheus. */
export type Need = 'redis' | 'cluster' | 'postgres' | 'prometheus';

const NEEDS: Array<[Need, RegExp]> = [
  // The control plane's certificates come from openssl, not from Go.
  ['cluster', /^test\/(e2e\/|control-plane\/(?!certs\.ts$))/],
  ['redis', /^test\/redis\/(redis-server|redis-cluster|gateway-replica)\.ts$/],
  ['postgres', /^test\/support\/postgres-server\.ts$/],
  ['prometheus', /^test\/support\/prometheus-server\.ts$/],
];

/**
 * Every test file with what it needs, from what it imports directly or through
 * other files: a test that starts Redis or the control plane imports the
 * helper that does, so the projects cannot drift from the tests.
 */
export function testNeeds(): Map<string, Set<Need>> {
  const all = [...sourceFiles(root)].map((f) => path.relative(root, f));
  const edges = new Map(all.map((f) => [f, importsOf(path.join(root, f), readFileSync(path.join(root, f), 'utf8'))]));
  const memo = new Map<string, Set<Need>>();
  const needsOf = (file: string, stack: Set<string>): Set<Need> => {
    const known = memo.get(file);
    if (known) return known;
    const needs = new Set<Need>();
    for (const [need, pattern] of NEEDS) if (pattern.test(file)) needs.add(need);
    stack.add(file);
    for (const dep of edges.get(file) ?? []) if (!stack.has(dep)) for (const n of needsOf(dep, stack)) needs.add(n);
    stack.delete(file);
    memo.set(file, needs);
    return needs;
  };
  return new Map(all.filter((f) => f.endsWith('.test.ts')).map((f) => [f, needsOf(f, new Set())]));
}
