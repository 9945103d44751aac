import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering the design promises, checked on every import in the tree:
// the gateway owns its contracts and imports no control-plane code, and
// nothing that ships imports test support, benchmarks or the examples.
const root = path.resolve(import.meta.dirname, '../..');
const TOP = ['gateway', 'operator', 'dev', 'cli', 'portal', 'http'];

interface Rule {
  name: string;
  /** Files the rule applies to, by top-level folder; test files are exempt unless `tests`. */
  from: string[];
  tests?: boolean;
  /** Top-level folders those files must not import. */
  forbidden: string[];
}

const RULES: Rule[] = [
  { name: 'the gateway imports no control-plane, dev, CLI or portal code', from: ['gateway'], tests: true, forbidden: ['operator', 'dev', 'cli', 'portal'] },
  { name: 'shipped code imports no test support or benchmarks', from: TOP, forbidden: ['test', 'bench'] },
  { name: 'shipped code imports nothing from examples/', from: TOP, forbidden: ['examples'] },
];

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

// Static imports, re-exports and dynamic import() of relative specifiers.
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) found.push(path.relative(root, path.resolve(path.dirname(file), match[1]!)));
  return found;
}

function violations(rule: Rule): string[] {
  const out: string[] = [];
  for (const top of rule.from) {
    let files: string[];
    try {
      files = [...sourceFiles(path.join(root, top))];
    } catch {
      continue;
    }
    for (const file of files) {
      if (!rule.tests && file.endsWith('.test.ts')) continue;
      for (const target of importsOf(file, readFileSync(file, 'utf8'))) {
        const targetTop = target.split(path.sep)[0]!;
        if (rule.forbidden.includes(targetTop)) out.push(`${path.relative(root, file)} imports ${target}`);
      }
    }
  }
  return out;
}

describe('import boundaries', () => {
  it.each(RULES)('$name', (rule) => {
    expect(violations(rule)).toEqual([]);
  });

  it('shipped code does not import the test runner', () => {
    const out: string[] = [];
    for (const top of TOP) {
      let files: string[];
      try {
        files = [...sourceFiles(path.join(root, top))];
      } catch {
        continue;
      }
      for (const file of files) {
        if (!file.endsWith('.test.ts') && /\bfrom\s+['"]vitest['"]/.test(readFileSync(file, 'utf8'))) out.push(path.relative(root, file));
      }
    }
    expect(out).toEqual([]);
  });

  it('sees every kind of import, so a violation cannot hide', () => {
    const file = path.join(root, 'gateway/x/y.ts');
    const text = [
      "import { a } from '../../operator/a.ts';",
      "import type { B } from '../../dev/b.ts';",
      "export { c } from '../../cli/c.ts';",
      "import '../../test/side-effect.ts';",
      "const d = await import('../../portal/d.ts');",
      "import { e } from 'node:fs';",
    ].join('\n');
    expect(importsOf(file, text)).toEqual(['operator/a.ts', 'dev/b.ts', 'cli/c.ts', 'test/side-effect.ts', 'portal/d.ts']);
  });
});
