import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { YamlDocument } from './read-documents.ts';

/**
 * The documents of a file with neither anchors nor tags, read by js-yaml: about
 * ten times faster than the positional parser, which makes a large estate's
 * start. Without anchors there are no aliases to expand, and without tags or
 * directives (`%YAML 1.1` changes the schema) and without empty keys the two
 * libraries' YAML 1.2 core schemas agree, so the values are the same; a field's line is
 * needed only for an error message, and `locate` asks the positional parse for
 * it then. Anything unusual (an error, a count that does not match the scan)
 * returns undefined and the caller parses the file the thorough way.
 */
export function readPlainDocuments(file: string, text: string, maxDocuments: number, thorough: () => YamlDocument[]): YamlDocument[] | undefined {
  if (text.includes('&') || text.includes('!') || DIRECTIVE.test(text) || EMPTY_KEY.test(text)) return undefined;
  const values: unknown[] = [];
  try {
    loadAll(text, (value) => void values.push(value), { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  const starts = documentStarts(text);
  if (starts.length !== values.length || values.length > maxDocuments) return undefined;
  let full: YamlDocument[] | undefined;
  const documents: YamlDocument[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    // An empty document is nothing, as for kubectl.
    if (value === null || value === undefined) continue;
    const start = starts[index]!;
    documents.push({
      file,
      index,
      value,
      locate: (path) => {
        if (path.length === 0) return start;
        full ??= thorough();
        return full.find((d) => d.index === index)?.locate(path) ?? start;
      },
    });
  }
  return documents;
}

interface Position {
  line: number;
  column: number;
}

const DIRECTIVE = /^%/m;
// An empty or explicit key, in block or flow style (`: x`, `- : x`, `[a,: b]`, `{? a}`): js-yaml reads
// some as a key "null" where the positional parser reports an error (found by a differential fuzz).
const EMPTY_KEY = /(?:^[ \t]*(?:-[ \t]+)*|[[{,][ \t]*)[?:](?=[ \t,\]}]|$)/m;
const MARKER = /^---(?=[ \t]|$)/;
const END = /^\.\.\.(?=[ \t]|$)/;

/**
 * Where each document's content starts (1-based line and column), one entry per
 * document, empty ones included. A document marker at the start of a line ends
 * any scalar (YAML forbids it inside one), so a line scan finds them all.
 */
export function documentStarts(text: string): Position[] {
  const starts: Position[] = [];
  // A document is open once it has a marker or content; `start` is its first content.
  let open = false;
  let start: Position | undefined;
  const close = () => {
    if (open) starts.push(start ?? { line: 1, column: 1 });
    open = false;
    start = undefined;
  };
  let lineStart = 0;
  for (let line = 1; lineStart <= text.length; line++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const raw = text.slice(lineStart, lineEnd);
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    lineStart = lineEnd + 1;
    if (MARKER.test(content)) {
      close();
      open = true;
      const rest = firstContent(content, 3);
      if (rest !== undefined) start = { line, column: rest + 1 };
      continue;
    }
    if (END.test(content)) {
      close();
      continue;
    }
    const first = firstContent(content, 0);
    if (first === undefined) continue;
    if (!open) open = true;
    start ??= { line, column: first + 1 };
  }
  close();
  return starts;
}

/** Index of the first character that is neither blank nor part of a comment, from `from`. */
function firstContent(line: string, from: number): number | undefined {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t') continue;
    if (c === '#') return undefined;
    return i;
  }
  return undefined;
}
