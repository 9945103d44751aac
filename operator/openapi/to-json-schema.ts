import { isObject, type Json } from './document-operations.ts';

// OpenAPI-only keywords that say nothing a validator checks (and that ajv would not know).
const DROPPED = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable']);
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];

/**
 * An OpenAPI schema (3.0's dialect or 3.1's JSON Schema) as the JSON Schema the
 * gateway compiles with ajv: 3.0's `nullable` and boolean `exclusiveMinimum`
 * become their JSON Schema forms, annotations ajv does not know are dropped,
 * and a `$ref` left by a circular reference accepts anything (rather than
 * failing to compile) — validation is then as deep as the schema's first cycle.
 */
export function toJsonSchema(schema: unknown, openapi30: boolean): Json {
  if (!isObject(schema)) return {};
  if (typeof schema.$ref === 'string') return {};
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (SUBSCHEMA_MAPS.includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, openapi30)]));
    } else if (SUBSCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(v, openapi30));
    } else if (SUBSCHEMAS.includes(key) && isObject(value)) {
      out[key] = toJsonSchema(value, openapi30);
    } else out[key] = value;
  }
  if (openapi30) {
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else if (typeof out[flag] === 'boolean') delete out[flag];
    }
    if (schema.nullable === true) return nullable(out);
  }
  return out;
}

function nullable(schema: Json): Json {
  if (typeof schema.type === 'string')
    return { ...schema, type: [schema.type, 'null'], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  return { anyOf: [schema, { type: 'null' }] };
}
