import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentStarts, readPlainDocuments } from './fast-documents.ts';
import { DEFAULT_MAX_DOCUMENTS_PER_FILE, parseWithPositions } from './read-documents.ts';

// The fast reader must give exactly what the positional parse gives: the same
// documents at the same indexes, the same values, the same object positions,
// and field positions on demand.
const root = path.resolve(import.meta.dirname, '../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function compare(text: string): 'fast' | 'thorough' {
  const thorough = parseWithPositions('f.yaml', text, DEFAULT_MAX_DOCUMENTS_PER_FILE);
  const fast = readPlainDocuments('f.yaml', text, DEFAULT_MAX_DOCUMENTS_PER_FILE, () => thorough.documents);
  if (!fast) return 'thorough';
  expect(thorough.diagnostics).toEqual([]);
  expect(fast.map((d) => [d.index, d.value])).toEqual(thorough.documents.map((d) => [d.index, d.value]));
  for (const [i, doc] of fast.entries()) {
    const other = thorough.documents[i]!;
    expect(doc.locate([])).toEqual(other.locate([]));
    for (const field of [['spec'], ['metadata', 'name'], ['spec', 'operations', 0]]) expect(doc.locate(field)).toEqual(other.locate(field));
  }
  return 'fast';
}

describe('readPlainDocuments', () => {
  const files = ['examples', 'operator/compiler/testdata', 'config'].flatMap((d) => yamlFiles(path.join(root, d)));

  it('reads every example, golden input and manifest as the positional parse does', () => {
    expect(files.length).toBeGreaterThan(20);
    const used = files.map((f) => compare(readFileSync(f, 'utf8')));
    // Most files have no anchors or tags: the fast path is what runs.
    expect(used.filter((u) => u === 'fast').length).toBeGreaterThan(files.length / 2);
  });

  it.each([
    ['a document without a marker', 'a: 1\nb: [1, 2]\n', 'fast'],
    ['comments and blank lines first', '# head\n\n  # indented\nkind: X\n', 'fast'],
    ['markers, empty documents between and after', '---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n---\n', 'fast'],
    ['content on the marker line', '--- {a: 1}\n--- # comment\nb: 2\n', 'fast'],
    ['a document end marker', 'a: 1\n...\n---\nb: 2\n', 'fast'],
    ['CRLF line ends', 'a: 1\r\n---\r\nb:\r\n  - x\r\n', 'fast'],
    ['a sequence at the root', '- a\n- b\n', 'fast'],
    ['a block scalar holding a hash line', 'a: |\n  # not a comment\n  x\nb: 2\n', 'fast'],
    ['scalars both schemas read alike', 'a: 0o17\nb: 0x1F\nc: .inf\nd: ~\ne: yes\nf: 017\ng: 1e3\nh: "\\u00e9"\n', 'fast'],
    ['an anchor: positional parse', 'a: &x 1\nb: *x\n', 'thorough'],
    ['a tag: positional parse', 'a: !!float 1\n', 'thorough'],
    ['a YAML 1.1 directive: positional parse', '%YAML 1.1\n---\na: yes\n', 'thorough'],
    ['a duplicate key: positional parse, which reports it', 'a: 1\na: 2\n', 'thorough'],
  ])('%s', (_name, text, path) => {
    expect(compare(text)).toBe(path);
  });

  it('never accepts what the positional parse refuses, nor reads it otherwise: a differential fuzz of the examples', () => {
    const bases = yamlFiles(path.join(root, 'examples')).map((f) => readFileSync(f, 'utf8'));
    const pieces = [':', ' ', '-', '\n', '#', '"', "'", '[', ']', '{', '}', ',', '?', '|', '>', '\t', 'x', '  ', '---\n', '...\n', '*', '@', '0', '.'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const differences: string[] = [];
    let fast = 0;
    for (let i = 0; i < 6000; i++) {
      let text = bases[random(bases.length)]!;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length);
        const op = random(3);
        text = text.slice(0, at) + (op === 1 ? '' : pieces[random(pieces.length)]) + text.slice(op === 0 ? at : at + 1);
      }
      const thorough = parseWithPositions('f.yaml', text, DEFAULT_MAX_DOCUMENTS_PER_FILE);
      const plain = readPlainDocuments('f.yaml', text, DEFAULT_MAX_DOCUMENTS_PER_FILE, () => thorough.documents);
      if (!plain) continue;
      fast++;
      const same = JSON.stringify(plain.map((d) => [d.index, d.value])) === JSON.stringify(thorough.documents.map((d) => [d.index, d.value]));
      if (thorough.diagnostics.length || !same) differences.push(JSON.stringify(text));
    }
    expect(differences.slice(0, 3)).toEqual([]);
    expect(fast).toBeGreaterThan(500);
  });

  it('finds each document start', () => {
    expect(documentStarts('')).toEqual([]);
    expect(documentStarts('# only\n')).toEqual([]);
    expect(documentStarts('---\n')).toEqual([{ line: 1, column: 1 }]);
    expect(documentStarts('x: 1\n---\n  y: 2\n--- z\n')).toEqual([
      { line: 1, column: 1 },
      { line: 3, column: 3 },
      { line: 4, column: 5 },
    ]);
  });
});
