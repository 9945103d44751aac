import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Composer, isAlias, isMap, isNode, isScalar, LineCounter, Parser, visit, type Alias, type Document, type Node, type Pair } from 'yaml';
import { decodeYamlBytes } from './decode-text.ts';
import { readPlainDocuments } from './fast-documents.ts';
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
    let st;
    try {
      st = statSync(p);
    } catch {
      // Missing, a dangling link, no permission: reading it reports why, with the file's name.
      if (explicit || /\.ya?ml$/i.test(p)) files.push(p);
      return;
    }
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

/** Bounds on what one file may cost to read; the defaults are documented in the README. */
export interface ReadLimits {
  /** Larger files are refused unread (default 1 MiB; `--max-file-bytes` raises it). */
  maxFileBytes?: number;
  /** A file with more documents is refused (default 10,000). */
  maxDocumentsPerFile?: number;
}

// 1 MiB holds thousands of Tollgate objects; the worst garbage of that size still takes the parser seconds.
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DOCUMENTS_PER_FILE = 10_000;
/** The yaml library's own measure of alias expansion (uses of an anchor times what it holds). */
export const MAX_ALIAS_COUNT = 100;
/** YAML errors reported per document: a file of garbage can make one per character. */
const MAX_YAML_ERRORS_PER_DOCUMENT = 20;

/** Parses one file's documents; a document with errors becomes diagnostics and is skipped, the others still load. */
export function parseYamlDocuments(file: string, text: string, limits: ReadLimits = {}): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const maxDocuments = limits.maxDocumentsPerFile ?? DEFAULT_MAX_DOCUMENTS_PER_FILE;
  const plain = readPlainDocuments(file, text, maxDocuments, () => parseWithPositions(file, text, maxDocuments).documents);
  return plain ? { documents: plain, diagnostics: [] } : parseWithPositions(file, text, maxDocuments);
}

/** The positional parse: every node knows its place, every problem becomes a diagnostic. */
export function parseWithPositions(file: string, text: string, maxDocuments: number): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const documents: YamlDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  let index = 0;
  try {
    for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(text))) {
      if (index === maxDocuments) {
        const pos = lineCounter.linePos((doc.contents as Node | null)?.range?.[0] ?? doc.range[0]);
        const message = `more than ${maxDocuments} documents in one file: the file is refused (split it)`;
        return { documents: [], diagnostics: [{ severity: 'error', code: 'TooManyDocuments', message, file, line: pos.line, column: pos.col }] };
      }
      const r = readDocument(file, doc, index++, lineCounter);
      if ('document' in r) documents.push(r.document);
      else for (const d of r.diagnostics) diagnostics.push(d);
    }
  } catch (e) {
    // The parser and composer report their errors on the document; a throw is a library fault, still only this file's.
    diagnostics.push({ severity: 'error', code: 'YamlSyntax', message: `cannot parse: ${(e as Error).message}`, file, line: 1, column: 1 });
  }
  return { documents, diagnostics };
}

function readDocument(file: string, doc: Document.Parsed, index: number, lineCounter: LineCounter): { document: YamlDocument } | { diagnostics: Diagnostic[] } {
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  // Where the document's own text starts, past any `---` and directives.
  const start = (doc.contents as Node | null)?.range?.[0] ?? doc.range[0];
  if (doc.errors.length) {
    const object = objectOf(doc);
    const diagnostics: Diagnostic[] = doc.errors.slice(0, MAX_YAML_ERRORS_PER_DOCUMENT).map((e) => {
      // A duplicate key leaves a well-formed tree: say which object and field, like any other error.
      const path = e.code === 'DUPLICATE_KEY' ? pathAt(doc.contents, e.pos[0], []) : undefined;
      return {
        severity: 'error',
        code: 'YamlSyntax',
        message: e.message.split('\n')[0] ?? e.message,
        ...at(e.pos[0]),
        ...(object && path ? { object, field: fieldPath(path) } : {}),
      };
    });
    const more = doc.errors.length - MAX_YAML_ERRORS_PER_DOCUMENT;
    if (more > 0) diagnostics.push({ severity: 'error', code: 'YamlSyntax', message: `${more} more YAML error(s) in this document`, ...at(start) });
    return { diagnostics };
  }
  // An empty document (`---` twice, a trailing `---`, only comments) is nothing, as for kubectl.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { diagnostics: [] };
  const aliases = aliasesOf(doc);
  if (aliases.circular) {
    const message = `the alias *${aliases.circular.source} is inside the node it refers to (a circular document)`;
    return { diagnostics: [{ severity: 'error', code: 'YamlAliasCycle', message, ...at(aliases.circular.range?.[0] ?? start) }] };
  }
  try {
    const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return { document: { file, index, value, locate: (path) => locate(doc, lineCounter, path) } };
  } catch (e) {
    const message = (e as Error).message.split('\n')[0] ?? String(e);
    if (/excessive alias count/i.test(message)) {
      // The library does not say which alias tipped it over; the first one is where the expansion starts.
      const text = `aliases expand this document too far (more than ${MAX_ALIAS_COUNT} alias expansions; an alias bomb?): the document is refused`;
      return { diagnostics: [{ severity: 'error', code: 'YamlAliasLimit', message: text, ...at(aliases.first?.range?.[0] ?? start) }] };
    }
    return { diagnostics: [{ severity: 'error', code: 'YamlSyntax', message, ...at(start) }] };
  }
}

/** The first alias of a document, and the first that refers to a node it is inside of (which would make a cycle). */
function aliasesOf(doc: Document): { first?: Alias; circular?: Alias } {
  const anchored = new Map<string, unknown>();
  const found: { first?: Alias; circular?: Alias } = {};
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) {
      found.first ??= node;
      // As the library resolves it: the last node with that anchor before the alias.
      const target = anchored.get(node.source);
      if (!found.circular && target && path.includes(target as never)) found.circular = node;
    } else if (isNode(node) && node.anchor) anchored.set(node.anchor, node);
  });
  return found;
}

/** Reads, decodes and parses one file; whatever is wrong with it becomes diagnostics, never a throw. */
export function readYamlFile(file: string, limits: ReadLimits = {}): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const shown = displayPath(file);
  const refuse = (code: string, message: string, line = 1, column = 1) => ({
    documents: [],
    diagnostics: [{ severity: 'error' as const, code, message, file: shown, line, column }],
  });
  const maxBytes = limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let bytes: Buffer;
  try {
    const read = readAtMost(file, maxBytes);
    if ('tooLarge' in read) {
      const size = read.tooLarge === undefined ? `more than ${maxBytes} bytes` : `${read.tooLarge} bytes`;
      return refuse('FileTooLarge', `the file has ${size}, over the limit of ${maxBytes} bytes: refused (raise the limit with --max-file-bytes)`);
    }
    bytes = read.bytes;
  } catch (e) {
    return refuse('ReadError', `cannot read: ${(e as Error).message}`);
  }
  const decoded = decodeYamlBytes(bytes);
  if ('problem' in decoded) return refuse('InvalidEncoding', decoded.problem.message, decoded.problem.line, decoded.problem.column);
  return parseYamlDocuments(shown, decoded.text, limits);
}

/** The file's bytes, reading no more than `max + 1` whatever its size claims (a device, a growing file). */
function readAtMost(file: string, max: number): { bytes: Buffer } | { tooLarge: number | undefined } {
  const fd = openSync(file, 'r');
  try {
    const claimed = fstatSync(fd).size;
    if (claimed > max) return { tooLarge: claimed };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return { bytes: Buffer.concat(chunks, total) };
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) return { tooLarge: undefined };
    }
  } finally {
    closeSync(fd);
  }
}

/** The deepest node on the path that exists; for a key that exists, the key itself. */
function locate(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>): { line: number; column: number } {
  let node: Node | null = doc.contents;
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
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
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
