import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, root, sourceFiles, testNeeds } from './source-imports.ts';

// The layering the design promises, checked on every import in the tree:
// the gateway owns its contracts and imports no control-plane code, and
// nothing that ships imports test support, benchmarks or the examples.
const TOP = ['gateway', 'operator', 'dev', 'cli', 'portal', 'http', 'usage'];

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

function violations(rule: Rule): string[] {
  const out: string[] = [];
  for (const top of rule.from) {
    for (const file of sourceFiles(path.join(root, top))) {
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
      for (const file of sourceFiles(path.join(root, top))) {
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

  it('draws the test projects from imports: Redis and control-plane tests are found, unit tests need neither', () => {
    const needs = testNeeds();
    const of = (file: string) => [...(needs.get(file) ?? ['missing'])].sort();
    expect(of('gateway/limits/redis-store.test.ts')).toEqual(['redis']);
    expect(of('test/redis/quota-burst.test.ts')).toEqual(['redis']);
    expect(of('test/e2e/operator.test.ts')).toEqual(['cluster']);
    expect(of('gateway/cors/cors.test.ts')).toEqual([]);
    expect(of('operator/compiler/golden.test.ts')).toEqual([]);
    expect(of('test/usage/two-replicas.test.ts')).toEqual(['postgres']);
    expect(of('test/monitoring/monitoring.test.ts')).toEqual(['postgres', 'prometheus']);
  });

  it('loads the usage store drivers (pg, PGlite) only on demand, never at a gateway or CLI start', () => {
    const out: string[] = [];
    for (const top of TOP) {
      for (const file of sourceFiles(path.join(root, top))) {
        if (file.endsWith('.test.ts')) continue;
        if (/^\s*import\s[^;]*from\s+['"](pg|@electric-sql\/pglite)['"]/m.test(readFileSync(file, 'utf8'))) out.push(path.relative(root, file));
      }
    }
    expect(out).toEqual([]);
  });
});
