import { API_VERSION, emptyResources, GROUP, type AnyResource, type Resources } from '../resources/types.ts';
import { fieldPath, type Diagnostic } from './diagnostic.ts';
import { validateObject } from './object-validator.ts';
import { listYamlFiles, readYamlFile, type ReadLimits, type YamlDocument } from './read-documents.ts';

export interface LoadOptions extends ReadLimits {
  /** Namespace of objects that name none (as `kubectl apply -n` would). */
  defaultNamespace?: string;
}

/** Problems reported per object: a map of 100,000 unknown keys fits in a 1 MiB file. */
const MAX_PROBLEMS_PER_OBJECT = 50;

export interface LoadedObject {
  object: AnyResource;
  document: YamlDocument;
}

export interface DocumentResult {
  /** The valid object, defaulted. */
  object?: AnyResource | undefined;
  /** `kind/namespace/name` when it could be told, valid or not (so a caller can keep an older version). */
  key?: string | undefined;
  diagnostics: Diagnostic[];
}

/** Reads one YAML document: a Tollgate object, a note about something else, or errors. */
export function loadDocument(doc: YamlDocument, options: LoadOptions = {}): DocumentResult {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const at = (path: Array<string | number>) => ({ file: doc.file, ...doc.locate(path) });
  const value = doc.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { diagnostics: [{ severity: 'note', code: 'NotAnObject', message: 'ignored: not a Kubernetes object', ...at([]) }] };
  }
  const obj = value as Record<string, unknown>;
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  if (!apiVersion.startsWith(`${GROUP}/`) || apiVersion !== API_VERSION) {
    if (!apiVersion && (typeof obj.openapi === 'string' || obj.swagger === '2.0')) {
      const message = 'an OpenAPI document, not an object: an API reads it through spec.openAPI.file';
      return { diagnostics: [{ severity: 'note', code: 'OpenAPIDocument', message, ...at([]) }] };
    }
    const why = apiVersion.startsWith(`${GROUP}/`)
      ? `${apiVersion} is not the version this build reads (${API_VERSION})`
      : `${apiVersion || 'no apiVersion'}${kind ? ` ${kind}` : ''} is not a Tollgate kind`;
    return { diagnostics: [{ severity: 'note', code: 'IgnoredKind', message: `ignored: ${why}`, ...at(['apiVersion']) }] };
  }
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace;
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const objectInfo = { kind, namespace, ...(name ? { name } : {}) };
  const key = name ? `${kind}/${namespace}/${name}` : undefined;

  const { object, problems } = validateObject(obj, defaultNamespace);
  const diagnostics: Diagnostic[] = problems.slice(0, MAX_PROBLEMS_PER_OBJECT).map((p) => ({
    severity: 'error',
    code: p.code,
    message: p.message,
    object: objectInfo,
    field: fieldPath(p.path),
    ...at(p.path),
  }));
  const more = problems.length - MAX_PROBLEMS_PER_OBJECT;
  if (more > 0)
    diagnostics.push({ severity: 'error', code: 'SchemaViolation', message: `${more} more problem(s) in this object`, object: objectInfo, ...at([]) });
  if (object) object.source = at([]);
  if (object?.kind === 'API' && object.spec.openAPI?.inline !== undefined) object.source!.openApiInlineLine = doc.locate(['spec', 'openAPI', 'inline']).line;
  return { object, key, diagnostics };
}

function add(resources: Resources, o: AnyResource): void {
  switch (o.kind) {
    case 'API':
      resources.apis.push(o);
      break;
    case 'APIProduct':
      resources.products.push(o);
      break;
    case 'Application':
      resources.applications.push(o);
      break;
    case 'Subscription':
      resources.subscriptions.push(o);
      break;
  }
}

/** Builds the Resources bag from loaded objects; a second object with the same kind/namespace/name is an error. */
export function collect(objects: AnyResource[]): { resources: Resources; diagnostics: Diagnostic[] } {
  const resources = emptyResources();
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, AnyResource>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      diagnostics.push({
        severity: 'error',
        code: 'Duplicate',
        message: `defined again; the first definition${first.source ? ` at ${first.source.file}:${first.source.line}` : ''} is used`,
        object: { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name },
        field: 'metadata.name',
        ...o.source,
      });
      continue;
    }
    seen.set(key, o);
    add(resources, o);
  }
  return { resources, diagnostics };
}

export interface LoadResult {
  resources: Resources;
  diagnostics: Diagnostic[];
  /** The document each object (`kind/namespace/name`) came from, to locate its fields. */
  documents: Map<string, YamlDocument>;
  /** Objects (`kind/namespace/name`) that are defined but failed validation, so they are not in `resources`. */
  invalid: Set<string>;
}

/** Loads files and directories of multi-document YAML into one Resources bag. */
export function loadPaths(paths: string[], options: LoadOptions = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const objects: AnyResource[] = [];
  const documents = new Map<string, YamlDocument>();
  const invalid = new Set<string>();
  for (const file of listYamlFiles(paths)) {
    const parsed = readYamlFile(file, options);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    for (const doc of parsed.documents) {
      const r = loadDocument(doc, options);
      for (const d of r.diagnostics) diagnostics.push(d);
      if (r.object) objects.push(r.object);
      if (r.key && !documents.has(r.key)) documents.set(r.key, doc);
      if (r.key && !r.object) invalid.add(r.key);
    }
  }
  const collected = collect(objects);
  return { resources: collected.resources, diagnostics: [...diagnostics, ...collected.diagnostics], documents, invalid };
}
