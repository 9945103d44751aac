import { describe, expect, it } from 'vitest';
import { toJsonSchema } from './to-json-schema.ts';

describe('toJsonSchema', () => {
  it.each([
    { name: '3.0 nullable', in: { type: 'string', nullable: true }, v30: true, out: { type: ['string', 'null'] } },
    { name: '3.0 nullable enum', in: { type: 'string', enum: ['a'], nullable: true }, v30: true, out: { type: ['string', 'null'], enum: ['a', null] } },
    { name: '3.0 nullable without type', in: { nullable: true, minLength: 1 }, v30: true, out: { anyOf: [{ minLength: 1 }, { type: 'null' }] } },
    {
      name: '3.0 boolean exclusiveMinimum',
      in: { type: 'integer', minimum: 1, exclusiveMinimum: true },
      v30: true,
      out: { type: 'integer', exclusiveMinimum: 1 },
    },
    { name: '3.0 exclusiveMaximum false', in: { maximum: 5, exclusiveMaximum: false }, v30: true, out: { maximum: 5 } },
    { name: '3.1 numeric exclusiveMinimum kept', in: { exclusiveMinimum: 1 }, v30: false, out: { exclusiveMinimum: 1 } },
    {
      name: 'annotations ajv does not know are dropped',
      in: { type: 'object', example: {}, xml: { name: 'x' }, 'x-foo': 1, discriminator: {} },
      v30: true,
      out: { type: 'object' },
    },
    {
      name: 'nested schemas converted',
      in: { properties: { a: { type: 'string', nullable: true } }, items: { nullable: true, type: 'integer' }, allOf: [{ example: 1 }] },
      v30: true,
      out: { properties: { a: { type: ['string', 'null'] } }, items: { type: ['integer', 'null'] }, allOf: [{}] },
    },
    {
      name: 'a $ref left by a cycle accepts anything',
      in: { properties: { next: { $ref: '#/components/schemas/Node' } } },
      v30: false,
      out: { properties: { next: {} } },
    },
    { name: 'not a schema', in: 'string', v30: false, out: {} },
  ])('$name', ({ in: schema, v30, out }) => {
    expect(toJsonSchema(schema, v30)).toEqual(out);
  });
});
