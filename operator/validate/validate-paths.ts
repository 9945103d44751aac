import { compile } from '../compiler/compile.ts';
import { Reason } from '../compiler/conditions.ts';
import type { Diagnostic } from '../loader/diagnostic.ts';
import { parseFieldPath } from '../loader/diagnostic.ts';
import { loadPaths, type LoadOptions, type LoadResult } from '../loader/load.ts';
import { OpenApiStage } from '../openapi/openapi-stage.ts';
import { objectRef } from '../resources/object-key.ts';
import type { Resources } from '../resources/types.ts';

export interface ValidationReport {
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
}

const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 } as const;

/**
 * What `tollgate validate` reports: schema and rule errors from loading, then
 * the compiler's semantic findings (references, conflicts, access), each placed
 * at the file, line and field it is about. Deliberate states (pending approval,
 * revoked) and Secret references, which only a cluster can resolve, are notes, not errors.
 */
export async function validatePaths(paths: string[], options: LoadOptions & { now?: Date } = {}): Promise<ValidationReport> {
  const loaded = loadPaths(paths, options);
  // Each API's OpenAPI document (inline or a file beside it) is read, validated and resolved before the compiler runs.
  loaded.resources.openApi = await new OpenApiStage({ files: true, ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}) }).documents(
    loaded.resources.apis,
  );
  return report([...loaded.diagnostics, ...semanticDiagnostics(loaded.resources, options.now ?? new Date(), loaded)]);
}

/**
 * What `tollgate validate` reports on objects read from a cluster: the API server
 * has checked the schemas, so only the compiler's findings, placed at the object
 * and field (there is no file). `only` keeps the objects of these namespaces.
 */
export function validateResources(resources: Resources, options: { now?: Date; only?: ReadonlySet<string> | undefined } = {}): ValidationReport {
  const all = semanticDiagnostics(resources, options.now ?? new Date());
  return report(options.only ? all.filter((d) => !d.object?.namespace || options.only!.has(d.object.namespace)) : all);
}

function report(unsorted: Diagnostic[]): ValidationReport {
  const diagnostics = unsorted.sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  return {
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
  };
}

function semanticDiagnostics(resources: Resources, now: Date, loaded?: LoadResult): Diagnostic[] {
  // Secrets are never in a repository, and a user may not read them in a cluster: a reference to one is noted, not refused.
  const { findings } = compile(resources, { now, secrets: 'absent' });
  return findings.map((f) => {
    const o = f.object;
    const doc = loaded?.documents.get(objectRef(o));
    // A problem inside an OpenAPI document is placed at the document's own file and line.
    const where = f.location
      ? { file: f.location.file, line: f.location.line, column: f.location.column }
      : doc
        ? { file: doc.file, ...doc.locate(f.field ? parseFieldPath(f.field) : []) }
        : (o.source ?? {});
    // In a cluster an invalid object would not exist; in a directory it does, and "not found" would mislead.
    const ref = f.reason === Reason.RefNotFound ? f.ref : undefined;
    const message = ref && loaded?.invalid.has(`${ref.kind}/${ref.id}`) ? `${ref.kind} ${ref.id} is defined but invalid (see its errors)` : f.message;
    return {
      severity: f.severity === 'info' ? 'note' : f.severity,
      code: f.reason,
      message,
      object: { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name },
      ...(f.field ? { field: f.field } : {}),
      ...where,
    } satisfies Diagnostic;
  });
}
