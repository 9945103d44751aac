import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic } from './diagnostic.ts';

/** One YAML document of a file, with a way back from a field path to its line. */
export interface YamlDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  value: unknown;
  locate(path: ReadonlyArray<string | number>): { line: number; column: number };
}

/** Every `.yaml`/`.yml` file under the given paths, in a stable order. */
export function listYamlFiles(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string, explicit: boolean): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        walk(join(p, entry), false);
      }
    } else if (explicit || /\.ya?ml$/i.test(p)) files.push(p);
  };
  for (const p of paths) walk(p, true);
  return files;
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Parses one file's documents; syntax errors become diagnostics and that document is skipped. */
export function parseYamlDocuments(file: string, text: string): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const documents: YamlDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true }).forEach((doc, index) => {
    if (!('contents' in doc)) return;
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        diagnostics.push({
          severity: 'error',
          code: 'YamlSyntax',
          message: e.message.split('\n')[0] ?? e.message,
          file,
          line: pos.line,
          column: pos.col,
        });
      }
      return;
    }
    // An empty document (`---` twice, a trailing `---`, only comments) is nothing, as for kubectl.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    documents.push({ file, index, value: doc.toJS(), locate: (path) => locate(doc, lineCounter, path) });
  });
  return { documents, diagnostics };
}

export function readYamlFile(file: string): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  return parseYamlDocuments(displayPath(file), readFileSync(file, 'utf8'));
}

/** The deepest node on the path that exists; for a key that exists, the key itself. */
function locate(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>): { line: number; column: number } {
  let node: Node | null = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (const step of path) {
    if (!node) break;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && p.key.value === step);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if ('items' in node && Array.isArray((node as { items: unknown[] }).items) && typeof step === 'number') {
      const item = (node as unknown as { items: Node[] }).items[step];
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  const pos = lc.linePos(offset);
  return { line: pos.line, column: pos.col };
}
