import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A structural OpenAPI v3 schema as the API server reads it from a CRD. */
export interface CrdSchema {
  type?: string;
  description?: string;
  properties?: Record<string, CrdSchema>;
  items?: CrdSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  [extension: string]: unknown;
}

export interface CrdKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
  file: string;
  schema: CrdSchema;
}

export const CRD_DIR = new URL('../../crds/', import.meta.url).pathname;

/** Reads every CRD under `crds/`: the one source of truth for the resource schemas. */
export function readCrdKinds(dir: string = CRD_DIR): CrdKind[] {
  const kinds: CrdKind[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const crd = parse(readFileSync(join(dir, file), 'utf8'));
    for (const v of crd.spec.versions) {
      kinds.push({
        kind: crd.spec.names.kind,
        group: crd.spec.group,
        version: v.name,
        plural: crd.spec.names.plural,
        file,
        schema: v.schema.openAPIV3Schema,
      });
    }
  }
  return kinds;
}
