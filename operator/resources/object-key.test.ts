import { describe, expect, it } from 'vitest';
import { namespacedId, objectId, objectKey, objectRef } from './object-key.ts';

describe('object keys', () => {
  it.each([
    { name: 'id from parts', got: () => namespacedId('team-a', 'hello'), want: 'team-a/hello' },
    { name: 'id of a resource', got: () => objectId({ metadata: { namespace: 'team-a', name: 'hello' } }), want: 'team-a/hello' },
    { name: 'key of a status or event', got: () => objectKey({ kind: 'API', namespace: 'team-a', name: 'hello' }), want: 'API/team-a/hello' },
    {
      name: 'key of a resource',
      got: () => objectRef({ kind: 'APIProduct', metadata: { namespace: 'team-a', name: 'hello' } }),
      want: 'APIProduct/team-a/hello',
    },
  ])('$name', ({ got, want }) => {
    expect(got()).toBe(want);
  });

  it('keys a resource and its status the same, so maps built from either agree', () => {
    const r = { kind: 'Subscription', metadata: { namespace: 'ns', name: 'n' } };
    expect(objectRef(r)).toBe(objectKey({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name }));
    expect(objectKey({ kind: 'API', namespace: 'a', name: 'b' })).not.toBe(objectKey({ kind: 'APIProduct', namespace: 'a', name: 'b' }));
  });
});
