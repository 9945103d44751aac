import type { CrdSchema } from '../resources/crd-schemas.ts';

const COPIED = [
  'type',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'default',
  'description',
] as const;

/**
 * Turns a CRD's structural schema into a JSON Schema that ajv enforces the way
 * the API server (and kubectl's default strict field validation) does:
 * unknown fields are errors, `set` lists are unique, int-or-string is a union.
 * List-map key uniqueness and CEL rules need the data and run in separate passes.
 */
export function crdToJsonSchema(s: CrdSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of COPIED) if (s[key] !== undefined) out[key] = s[key];
  if (s.format === 'date-time') out.format = 'date-time';
  if (s['x-kubernetes-int-or-string']) out.type = ['integer', 'string'];
  if (s.properties) {
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([name, p]) =>
        // metadata is ObjectMeta, checked by the loader itself as the API server does.
        [name, name === 'metadata' && p.type === 'object' && !p.properties ? { type: 'object' } : crdToJsonSchema(p)],
      ),
    );
    if (!s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (s.items) out.items = crdToJsonSchema(s.items);
  if (s['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  return out;
}
