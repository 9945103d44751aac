import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import { fieldPath, type Diagnostic } from './diagnostic.ts';

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
      const object = objectOf(doc);
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        // A duplicate key leaves a well-formed tree: say which object and field, like any other error.
        const path = e.code === 'DUPLICATE_KEY' ? pathAt(doc.contents as Node | null, e.pos[0], []) : undefined;
        diagnostics.push({
          severity: 'error',
          code: 'YamlSyntax',
          message: e.message.split('\n')[0] ?? e.message,
          file,
          line: pos.line,
          column: pos.col,
          ...(object && path ? { object, field: fieldPath(path) } : {}),
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

/** kind, namespace and name of a document that has errors, when its tree still says them. */
function objectOf(doc: Document): Diagnostic['object'] | undefined {
  let value: unknown;
  try {
    value = doc.toJS();
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { kind, metadata } = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof kind !== 'string') return undefined;
  return {
    kind,
    ...(typeof metadata?.namespace === 'string' ? { namespace: metadata.namespace } : {}),
    ...(typeof metadata?.name === 'string' ? { name: metadata.name } : {}),
  };
}

/** The field path of the map key or sequence item that starts at `offset`. */
function pathAt(node: Node | null, offset: number, path: Array<string | number>): Array<string | number> | undefined {
  if (!node) return undefined;
  const items = (node as { items?: unknown[] }).items;
  if (!Array.isArray(items)) return undefined;
  for (const [i, item] of items.entries()) {
    if (isMap(node)) {
      const pair = item as Pair;
      const key = pair.key as Node | null;
      if (!isScalar(key)) continue;
      const step = String(key.value);
      if (key.range?.[0] === offset) return [...path, step];
      const value = pair.value as Node | null;
      if (value?.range && value.range[0] <= offset && offset < value.range[2]) return pathAt(value, offset, [...path, step]);
    } else {
      const child = item as Node | null;
      if (child?.range && child.range[0] <= offset && offset < child.range[2]) return pathAt(child, offset, [...path, i]);
    }
  }
  return undefined;
}
