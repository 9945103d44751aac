import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { matchesPath } from '../router/path-match.ts';
import type { ApiOpenApi, OpenApiOperation } from '../snapshot/types.ts';

/** One operation of the document with its validators, compiled when the snapshot is loaded. */
export interface OperationRuntime {
  op: OpenApiOperation;
  /** Path, query and header parameters as one object `{ path, query, header }`; absent when the operation is not validated. */
  params?: ValidateFunction;
  /** JSON body validators by declared media type (lower-case); a declared type without a schema maps to undefined. */
  bodies?: Map<string, ValidateFunction | undefined>;
}

const INT32 = { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 } as const;
const INT64 = { type: 'number', validate: (n: number) => Number.isInteger(n) } as const;

function newAjv(coerce: boolean): Ajv2020 {
  // Not strict: schemas come from users' documents and carry keywords ajv does not know (and need not).
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, ...(coerce ? { coerceTypes: 'array' as const } : {}) });
  addFormats.default(ajv);
  ajv.addFormat('int32', INT32).addFormat('int64', INT64);
  // OpenAPI's descriptive formats: accepted as they are.
  for (const f of ['float', 'double', 'byte', 'binary', 'password']) ajv.addFormat(f, true);
  return ajv;
}

function paramsSchema(op: OpenApiOperation): Record<string, unknown> {
  const places: Record<string, { type: 'object'; properties: Record<string, unknown>; required: string[] }> = {};
  for (const where of ['path', 'query', 'header'] as const) places[where] = { type: 'object', properties: {}, required: [] };
  for (const p of op.parameters) {
    places[p.in]!.properties[p.name] = p.schema ?? {};
    if (p.required) places[p.in]!.required.push(p.name);
  }
  return { type: 'object', properties: places };
}

// Two ajv instances for the process (making one costs tens of milliseconds): parameters are
// strings on the wire, so their values are coerced to the declared types; bodies are JSON and are not.
const PARAMS = newAjv(true);
const BODIES = newAjv(false);

/** Compiled code, without ajv keeping the schema: a replaced snapshot's validators are then collectable. */
function compileOnce(ajv: Ajv2020, schema: Record<string, unknown>): ValidateFunction {
  const validate = ajv.compile(schema);
  ajv.removeSchema(schema);
  return validate;
}

/**
 * The gateway's view of an API's OpenAPI document: find the operation a request
 * is for (most specific first, as the compiler sorted them), and its validators.
 * ajv compiles every schema here, when the snapshot is applied, never per request
 * (and an unchanged document is not compiled again: see openApiRuntime).
 */
export class OpenApiRuntime {
  readonly mock: boolean;
  readonly operations: OperationRuntime[];

  constructor(spec: ApiOpenApi) {
    this.mock = spec.mock;
    this.operations = spec.operations.map((op) => {
      if (!op.validateRequest) return { op };
      const runtime: OperationRuntime = { op, params: compileOnce(PARAMS, paramsSchema(op)) };
      if (op.requestBody)
        runtime.bodies = new Map(op.requestBody.content.map((c) => [c.mediaType.toLowerCase(), c.schema ? compileOnce(BODIES, c.schema) : undefined]));
      return runtime;
    });
  }

  /** The operation for this method and path; HEAD is served by GET's. */
  find(method: string, segments: readonly string[], from: number): OperationRuntime | undefined {
    let head: OperationRuntime | undefined;
    for (const candidate of this.operations) {
      if (!matchesPath(candidate.op.match, segments, from)) continue;
      if (candidate.op.method === method) return candidate;
      if (method === 'HEAD' && candidate.op.method === 'GET') head ??= candidate;
    }
    return head;
  }
}

/** Compiled runtimes kept across snapshots: an API whose document did not change is not compiled again on a reload. */
const MAX_KEPT = 1024;
const kept = new Map<string, OpenApiRuntime>();

/** The runtime for an API's OpenAPI part, compiled once per distinct content (ajv code is what costs). */
export function openApiRuntime(spec: ApiOpenApi): OpenApiRuntime {
  const key = JSON.stringify(spec);
  let runtime = kept.get(key);
  if (runtime) {
    // Most recently used last, so the oldest is the one let go.
    kept.delete(key);
  } else {
    runtime = new OpenApiRuntime(spec);
    if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
  }
  kept.set(key, runtime);
  return runtime;
}
