/** One problem (or note) found in the input, located as precisely as the input allows. */
export interface Diagnostic {
  severity: 'error' | 'warning' | 'note';
  /** Stable, machine-readable: `YamlSyntax`, `YamlAliasLimit`, `InvalidEncoding`, `FileTooLarge`, `ReadError`, `SchemaViolation`, `RuleViolation`, `Duplicate`, `IgnoredKind`, ... */
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  object?: { kind: string; namespace?: string; name?: string };
  /** JSON-path-like field, e.g. `spec.operations[0].paths[1]`. */
  field?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}: ` : '';
  const obj = d.object
    ? `${d.object.kind}${d.object.namespace || d.object.name ? ' ' : ''}${[d.object.namespace, d.object.name].filter(Boolean).join('/')}: `
    : '';
  const field = d.field ? `${d.field}: ` : '';
  return `${where}${d.severity} ${d.code}: ${obj}${field}${d.message}`;
}

/** `['spec', 'operations', 0, 'paths']` -> `spec.operations[0].paths` */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** `spec.operations[0].paths` -> `['spec', 'operations', 0, 'paths']` */
export function parseFieldPath(field: string): Array<string | number> {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}
