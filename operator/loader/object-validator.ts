import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readCrdKinds, type CrdKind } from '../resources/crd-schemas.ts';
import { API_VERSION, type AnyResource } from '../resources/types.ts';
import { fieldPath } from './diagnostic.ts';
import { crdToJsonSchema } from './crd-to-json-schema.ts';
import { checkStructuralRules } from './structural-rules.ts';

export interface FieldProblem {
  code: 'SchemaViolation' | 'RuleViolation' | 'DuplicateKey' | 'InvalidName';
  path: Array<string | number>;
  message: string;
}

// ObjectMeta's fields: anything else under metadata is an unknown field, as with kubectl's strict validation.
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface KindValidator {
  crd: CrdKind;
  validate: ValidateFunction;
}

let validators: Map<string, KindValidator> | undefined;

function kindValidators(): Map<string, KindValidator> {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    addFormats.default(ajv);
    validators = new Map(
      readCrdKinds()
        .filter((k) => `${k.group}/${k.version}` === API_VERSION)
        .map((crd) => [crd.kind, { crd, validate: ajv.compile(crdToJsonSchema(crd.schema)) }]),
    );
  }
  return validators;
}

export function isTollgateKind(kind: string): boolean {
  return kindValidators().has(kind);
}

/** The kinds this build reads, with the CRD file each comes from. */
export function tollgateKinds(): CrdKind[] {
  return [...kindValidators().values()].map((v) => v.crd);
}

function describe(e: ErrorObject): { path: Array<string | number>; message: string } {
  const path: Array<string | number> = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: [...path, String(p.missingProperty)], message: 'Required value' };
    case 'additionalProperties':
      return { path: [...path, String(p.additionalProperty)], message: `unknown field "${String(p.additionalProperty)}"` };
    case 'enum':
      return { path, message: `Unsupported value: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { path, message: `Invalid value: must match '${String(p.pattern)}'` };
    case 'uniqueItems':
      return { path: [...path, Number(p.j)], message: `Duplicate value (same as index ${String(p.i)})` };
    default:
      return { path, message: `Invalid value: ${e.message ?? e.keyword}` };
  }
}

/**
 * Validates one object of a Tollgate kind as the API server would (schema with
 * defaults applied, CEL rules, list keys, metadata names), returning the
 * defaulted object or every problem found.
 */
export function validateObject(value: Record<string, unknown>, defaultNamespace: string): { object?: AnyResource; problems: FieldProblem[] } {
  if (value.kind === undefined || value.kind === '') return { problems: [{ code: 'SchemaViolation', path: ['kind'], message: 'Required value' }] };
  const v = kindValidators().get(String(value.kind));
  if (!v) return { problems: [{ code: 'SchemaViolation', path: ['kind'], message: `unknown kind ${String(value.kind)} in ${API_VERSION}` }] };
  const problems: FieldProblem[] = [];

  const metadata = (value.metadata ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(field)) problems.push({ code: 'SchemaViolation', path: ['metadata', field], message: `unknown field "${field}"` });
  }
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') problems.push({ code: 'InvalidName', path: ['metadata', 'name'], message: 'Required value' });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    problems.push({ code: 'InvalidName', path: ['metadata', 'name'], message: `Invalid value "${name}": must be a lower-case RFC 1123 subdomain` });
  const namespace = metadata.namespace ?? defaultNamespace;
  if (typeof namespace !== 'string' || namespace.length > 63 || !DNS_LABEL.test(namespace))
    problems.push({
      code: 'InvalidName',
      path: ['metadata', 'namespace'],
      message: `Invalid value "${String(namespace)}": must be a lower-case RFC 1123 label`,
    });

  const copy = structuredClone(value);
  if (!v.validate(copy)) for (const e of v.validate.errors ?? []) problems.push({ code: 'SchemaViolation', ...describe(e) });
  // Not push(...): a list of many bad items would overflow the call's argument stack.
  else for (const p of checkStructuralRules(v.crd.schema, copy)) problems.push(p);
  if (problems.length) return { problems };

  const generation = Number(metadata.generation ?? 1);
  const object = {
    ...copy,
    metadata: {
      ...(copy.metadata as Record<string, unknown>),
      name,
      namespace,
      generation: Number.isInteger(generation) && generation > 0 ? generation : 1,
    },
  } as unknown as AnyResource;
  return { object, problems };
}

export { fieldPath };
