import { bundle, dereference, validate, type ParserOptions } from '@readme/openapi-parser';
import { convertObj } from 'swagger2openapi';
import { parseWithPositions, type YamlDocument } from '../loader/read-documents.ts';
import { expandRefs } from './expand-refs.ts';
import { jsonLinePointers, pointerPath } from './json-lines.ts';
import type { OpenApiDocument, OpenApiLoad, OpenApiProblem, OpenApiSource } from './openapi-load.ts';

/** Problems reported per document: the validator can find hundreds in a broken one. */
const MAX_PROBLEMS = 20;
/** The longest the parser may spend resolving one document's `$ref`s. */
const RESOLVE_TIMEOUT_MS = 10_000;

/**
 * Parses, validates (with @readme/openapi-parser, against the 2.0, 3.0 or 3.1
 * schema and its extra rules), converts Swagger 2.0 (swagger2openapi) and
 * resolves `$ref`s. Never throws: whatever is wrong becomes problems placed at
 * the document's own file and line.
 */
export async function resolveDocument(source: OpenApiSource, origin: string): Promise<OpenApiLoad> {
  const parsed = parseWithPositions(source.file, source.text, 1);
  const at = (line: number, column: number) => ({ file: source.file, line: line + source.lineOffset, column });
  if (parsed.diagnostics.length || !parsed.documents.length) {
    const problems = parsed.diagnostics.length
      ? parsed.diagnostics.map((d) => ({ message: d.message, ...at(d.line ?? 1, d.column ?? 1) }))
      : [{ message: 'the document is empty', ...at(1, 1) }];
    return { ok: false, origin, problems };
  }
  const doc = parsed.documents[0]!;
  const value = doc.value as Record<string, unknown> | null;
  if (!value || typeof value !== 'object' || Array.isArray(value) || (typeof value.openapi !== 'string' && value.swagger !== '2.0')) {
    return { ok: false, origin, problems: [{ message: 'not an OpenAPI document: it has no `openapi` version (or `swagger: "2.0"`)', ...at(1, 1) }] };
  }
  // A file is read again by the parser, so its relative `$ref`s resolve from its folder; other documents may not reach out at all.
  const input = (): OpenApiDocument | string => source.path ?? structuredClone(value);
  const options: ParserOptions = source.path
    ? { timeoutMs: RESOLVE_TIMEOUT_MS, resolve: { file: true } }
    : { timeoutMs: RESOLVE_TIMEOUT_MS, resolve: { external: false } };
  try {
    const checked = await validate(input() as never, options);
    if (!checked.valid) return { ok: false, origin, problems: await locateProblems(checked.errors, doc, source, input(), options) };
    const swagger = value.swagger === '2.0';
    // Other files' parts brought in as internal references, then every reference expanded short of a cycle:
    // a plain finite tree, which the compiler may read anywhere without meeting shared or circular objects.
    const bundled = JSON.parse(JSON.stringify(await bundle(input() as never, options))) as OpenApiDocument;
    const document = expandRefs(swagger ? (await convertObj(bundled, { patch: true, warnOnly: true, resolve: false })).openapi : bundled);
    return { ok: true, origin, specVersion: String(swagger ? '2.0' : value.openapi), ...(swagger ? { convertedFrom: '2.0' } : {}), document };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { ok: false, origin, problems: [{ message: `cannot resolve the document: ${message}`, ...at(1, 1) }] };
  }
}

/**
 * The validator's messages carry a code frame of the resolved document printed
 * as JSON (`> 12 | ...`); that line names a JSON pointer, and the pointer a line
 * of the document as written (or of the `$ref` that led there).
 */
async function locateProblems(
  errors: Array<{ message: string }>,
  doc: YamlDocument,
  source: OpenApiSource,
  input: OpenApiDocument | string,
  options: ParserOptions,
): Promise<OpenApiProblem[]> {
  let lines: string[] = [];
  try {
    lines = jsonLinePointers(await dereference(input as never, { ...options, dereference: { circular: 'ignore' } }));
  } catch {
    // Unresolvable: the problems still come, at the document's start.
  }
  return errors.slice(0, MAX_PROBLEMS).map((e) => {
    const frame = /^>\s*(\d+)\s*\|/m.exec(e.message);
    const pointer = frame ? lines[Number(frame[1]) - 1] : undefined;
    const where = pointer !== undefined ? doc.locate(pointerPath(doc.value, pointer)) : lineOfToken(e.message, source.text);
    const message = e.message.split('\n')[0]!.trim();
    return { message, file: source.file, line: where.line + source.lineOffset, column: where.column, ...(pointer !== undefined ? { pointer } : {}) };
  });
}

/** A rule's message names what it is about in backticks (an operationId, a path): the first line that mentions it. */
function lineOfToken(message: string, text: string): { line: number; column: number } {
  const token = /`([^`]+)`/.exec(message)?.[1];
  if (token) {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(token));
    if (i >= 0) return { line: i + 1, column: lines[i]!.indexOf(token) + 1 };
  }
  return { line: 1, column: 1 };
}
