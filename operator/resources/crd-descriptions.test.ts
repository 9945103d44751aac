// Every kind and field carries a description, so `kubectl explain` and editors
// explain the whole API; the walk names each path that lacks one.
import { describe, expect, it } from 'vitest';
import { readCrdKinds, undescribed, type CrdSchema } from './crd-schemas.ts';

describe('CRD descriptions', () => {
  it('finds a missing description at any depth, in array items and map values', () => {
    const schema: CrdSchema = {
      description: 'root',
      properties: {
        a: { description: 'a', items: { type: 'string' } },
        b: { description: ' ', additionalProperties: { type: 'object', description: 'v', properties: { c: {} } } },
        metadata: { type: 'object' },
        d: { description: 'd', properties: { metadata: { type: 'object' } } },
      },
    };
    expect(undescribed(schema, 'X')).toEqual(['X.a[]', 'X.b', 'X.b{}.c', 'X.d.metadata']);
  });

  it.each(readCrdKinds().map((k) => ({ kind: k.kind, schema: k.schema })))('$kind describes every field', ({ kind, schema }) => {
    expect(undescribed(schema, kind)).toEqual([]);
  });
});
