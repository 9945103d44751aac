/** Where an API's OpenAPI document came from, and the text to read. */
export interface OpenApiSource {
  /** The document's text (YAML or JSON). */
  text: string;
  /** Where problems are reported: the document's own file, the API's file for an inline document, or `configmap ns/name key`. */
  file: string;
  /** Lines before the document's first line in `file` (an inline document starts below its field). */
  lineOffset: number;
  /** The file on disk, when the document is one: its relative `$ref`s are followed from there. */
  path?: string;
}

/** One problem with a document, placed at its own file and line. */
export interface OpenApiProblem {
  message: string;
  file: string;
  line: number;
  column: number;
  /** JSON pointer into the document, when the validator told where. */
  pointer?: string;
  /** About the reference in spec.openAPI (a file or ConfigMap that cannot be read), not a place in a document. */
  reference?: true;
}

/** A plain OpenAPI 3.x object: parsed, validated, converted from Swagger 2.0 when it was, `$ref`s resolved (circular ones kept as `$ref`). */
export type OpenApiDocument = Record<string, unknown>;

/** What the edge hands the compiler for one API: the document, or why there is none. */
export type OpenApiLoad =
  | { ok: true; origin: string; specVersion: string; convertedFrom?: string; document: OpenApiDocument }
  | { ok: false; origin: string; problems: OpenApiProblem[]; missing?: { kind: 'ConfigMap'; id: string } };
