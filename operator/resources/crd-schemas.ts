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

/**
 * Paths (kubectl explain style) of every schema node without a non-empty description.
 * The top-level `metadata` is exempt: the API server forbids anything there but its
 * type, and `kubectl explain` shows ObjectMeta's own text for it.
 */
export function undescribed(schema: CrdSchema, path: string, root = true): string[] {
  const missing: string[] = [];
  if (typeof schema.description !== 'string' || schema.description.trim() === '') missing.push(path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (!(root && name === 'metadata')) missing.push(...undescribed(child, `${path}.${name}`, false));
  }
  if (schema.items) missing.push(...undescribed(schema.items, `${path}[]`, false));
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') missing.push(...undescribed(extra as CrdSchema, `${path}{}`, false));
  return missing;
}
