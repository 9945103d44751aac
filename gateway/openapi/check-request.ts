import type { ErrorObject, ValidateFunction } from 'ajv';
import type { IncomingHttpHeaders } from 'node:http';
import type { OperationRuntime } from './openapi-runtime.ts';

/** One way a request differs from the document, at a JSON pointer into `{ path, query, header, body }`. */
export interface Violation {
  pointer: string;
  message: string;
}

/** Violations listed in one answer: a body of garbage can break every rule at once. */
const MAX_VIOLATIONS = 20;
const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json$/;

const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

function violations(errors: readonly ErrorObject[] | null | undefined, prefix: string): Violation[] {
  return (errors ?? []).slice(0, MAX_VIOLATIONS).map((e) => {
    // `required` and `additionalProperties` are reported on the parent; the field itself is what a client needs named.
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    const field = e.keyword === 'required' ? params.missingProperty : e.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
    const missing = field === undefined ? '' : `/${escape(String(field))}`;
    return { pointer: `${prefix}${e.instancePath}${missing}`, message: e.message ?? 'is invalid' };
  });
}

/** Query parameters as the schema sees them: one value a string, a repeated one an array. */
function queryValues(query: string | undefined): Record<string, string | string[]> {
  // No prototype: a parameter named __proto__ is a parameter, not a way to change what the validator sees.
  const values: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (!query) return values;
  for (const [name, value] of new URLSearchParams(query)) {
    const seen = values[name];
    values[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return values;
}

/** The path, query and header parameters the operation declares, checked (and typed: `?limit=5` is the integer 5) by its validator. */
export function checkParameters(
  runtime: OperationRuntime,
  segments: readonly string[],
  from: number,
  query: string | undefined,
  headers: IncomingHttpHeaders,
): Violation[] {
  const check = runtime.params;
  if (!check) return [];
  const path: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const p of runtime.op.pathParams) {
    const value = segments[from + p.segment];
    if (value !== undefined) path[p.name] = value;
  }
  const header: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const p of runtime.op.parameters) {
    const value = p.in === 'header' ? headers[p.name] : undefined;
    if (value !== undefined) header[p.name] = value;
  }
  return check({ path, query: queryValues(query), header }) ? [] : violations(check.errors, '');
}

/** The media type without parameters, lower-case: `application/json; charset=utf-8` -> `application/json`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}

/** Whether a declared media type (which may be a range, `application/*`) covers the request's. */
function covers(declared: string, actual: string): boolean {
  if (declared === actual || declared === '*/*') return true;
  return declared.endsWith('/*') && actual.startsWith(declared.slice(0, -1));
}

/** The request body against the operation's declared content: presence, media type, and JSON against its schema. */
export function checkBody(runtime: OperationRuntime, contentType: string | undefined, body: Buffer | undefined): Violation[] {
  const declared = runtime.op.requestBody;
  const bodies = runtime.bodies;
  if (!declared || !bodies) return [];
  if (!body?.length) return declared.required ? [{ pointer: '/body', message: 'a request body is required' }] : [];
  const type = mediaTypeOf(contentType) ?? '';
  const match = [...bodies.keys()].find((d) => covers(d, type));
  if (match === undefined) return [{ pointer: '/header/content-type', message: `must be one of ${[...bodies.keys()].join(', ')}` }];
  const check: ValidateFunction | undefined = bodies.get(match);
  if (!check || !JSON_MEDIA.test(type)) return [];
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return [{ pointer: '/body', message: 'is not valid JSON' }];
  }
  return check(value) ? [] : violations(check.errors, '/body');
}
