import { Ajv2020 } from 'ajv/dist/2020.js';
import type { OpenApiOperation } from '../../gateway/snapshot/types.ts';
import type { ConditionSet } from '../compiler/conditions.ts';
import { Reason } from '../compiler/conditions.ts';

// As the gateway compiles them (not strict: users' documents carry keywords ajv need not know).
const ajv = new Ajv2020({ strict: false, validateFormats: false, logger: false });

function compileProblem(schema: Record<string, unknown>): string | undefined {
  try {
    ajv.compile(schema);
    ajv.removeSchema(schema);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Every schema the gateway will compile for request validation, compiled here
 * first: a schema ajv cannot compile (a pattern that is no regular expression, a
 * type that does not exist) refuses its API, rather than the gateway refusing
 * the whole snapshot it came in.
 */
export function checkSchemasCompile(ops: readonly OpenApiOperation[], cs: ConditionSet): void {
  for (const op of ops) {
    if (!op.validateRequest) continue;
    const schemas = [
      ...op.parameters.flatMap((p) => (p.schema ? [{ where: `${p.in} parameter ${p.name}`, schema: p.schema }] : [])),
      ...(op.requestBody?.content ?? []).flatMap((c) => (c.schema ? [{ where: `${c.mediaType} body`, schema: c.schema }] : [])),
    ];
    for (const { where, schema } of schemas) {
      const problem = compileProblem(schema);
      if (problem)
        cs.notAccepted(Reason.Invalid, `${op.method} ${op.match.pattern}: the ${where} schema cannot be compiled: ${problem}`, { field: 'spec.openAPI' });
    }
  }
}
