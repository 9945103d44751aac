import { Ajv2020 } from 'ajv/dist/2020.js';
import type { OpenApiOperation } from '../../gateway/snapshot/types.ts';
import type { ConditionSet } from '../compiler/conditions.ts';
import { Reason } from '../compiler/conditions.ts';
import { isObject, type DocumentOperation } from './document-operations.ts';
import { toJsonSchema } from './to-json-schema.ts';

// Formats are OpenAPI's own (int64, binary...) as often as JSON Schema's: not checked here.
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false, logger: false });

/**
 * Response validation for a mock (`validateResponses`): every example the mock
 * would send is checked against its response schema once, when compiling, so a
 * prototype never hands app developers a body its own document rules out.
 */
export function checkExamples(gatewayOps: OpenApiOperation[], ops: DocumentOperation[], openapi30: boolean, cs: ConditionSet): void {
  for (const g of gatewayOps) {
    const op = ops.find((o) => o.method === g.method && o.match.pattern === g.match.pattern);
    const responses = op && isObject(op.operation.responses) ? op.operation.responses : {};
    for (const response of g.responses) {
      const declared = responses[response.status];
      const content = isObject(declared) && isObject(declared.content) ? declared.content : {};
      for (const media of response.content) {
        const schema = isObject(content[media.mediaType]) ? (content[media.mediaType] as Record<string, unknown>).schema : undefined;
        if (!isObject(schema) || !/json/i.test(media.mediaType)) continue;
        let check;
        try {
          check = ajv.compile(toJsonSchema(schema, openapi30));
        } catch (err) {
          cs.caveat(
            Reason.Invalid,
            `${g.method} ${g.match.pattern} ${response.status} ${media.mediaType}: the schema does not compile: ${(err as Error).message}`,
            { field: 'spec.openAPI' },
          );
          continue;
        }
        for (const example of media.examples) {
          if (check(example.value)) continue;
          const why = (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
          cs.caveat(
            Reason.Invalid,
            `${g.method} ${g.match.pattern} ${response.status} ${media.mediaType} example ${example.name} does not match its schema: ${why}`,
            {
              field: 'spec.openAPI',
            },
          );
        }
      }
    }
  }
}
