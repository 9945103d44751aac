import { describe, expect, it } from 'vitest';
import { ConditionSet, Reason, type Finding, type FindingSubject } from './conditions.ts';

type Method = 'notAccepted' | 'caveat' | 'note' | 'unresolved';

// Which condition carries each method's message, if any.
const CONDITION_OF: Record<Method, 'Accepted' | 'ResolvedRefs' | undefined> = {
  notAccepted: 'Accepted',
  caveat: 'Accepted',
  note: undefined,
  unresolved: 'ResolvedRefs',
};

describe('ConditionSet findings', () => {
  const cases: { name: string; method: Method; reason: Reason; message: string; about?: FindingSubject; finding: Finding; condition: string }[] = [
    {
      name: 'a field from the call site is carried apart and prefixes the condition message',
      method: 'notAccepted',
      reason: Reason.Invalid,
      message: '/a matches the same paths as /a',
      about: { field: 'spec.operations[1].path' },
      finding: { severity: 'error', reason: Reason.Invalid, field: 'spec.operations[1].path', message: '/a matches the same paths as /a' },
      condition: 'spec.operations[1].path: /a matches the same paths as /a',
    },
    {
      name: 'a message that merely looks like "spec.x: ..." has no field and is not split',
      method: 'notAccepted',
      reason: Reason.Invalid,
      message: 'spec.x: looks like a field',
      finding: { severity: 'error', reason: Reason.Invalid, message: 'spec.x: looks like a field' },
      condition: 'spec.x: looks like a field',
    },
    {
      name: 'a field-like message under a field keeps both whole',
      method: 'caveat',
      reason: Reason.PartialConflict,
      message: 'metadata.name: not served',
      about: { field: 'spec.context' },
      finding: { severity: 'warning', reason: Reason.PartialConflict, field: 'spec.context', message: 'metadata.name: not served' },
      condition: 'spec.context: metadata.name: not served',
    },
    {
      name: 'a reference carries the kind and id it names',
      method: 'unresolved',
      reason: Reason.RefNotFound,
      message: 'API team-a/missing not found',
      about: { field: 'spec.operations[0].api', ref: { kind: 'API', id: 'team-a/missing' } },
      finding: {
        severity: 'error',
        reason: Reason.RefNotFound,
        field: 'spec.operations[0].api',
        ref: { kind: 'API', id: 'team-a/missing' },
        message: 'API team-a/missing not found',
      },
      condition: 'spec.operations[0].api: API team-a/missing not found',
    },
    {
      name: 'a message that merely looks like a missing reference names none',
      method: 'unresolved',
      reason: Reason.RefNotFound,
      message: 'API team-a/missing not found',
      finding: { severity: 'error', reason: Reason.RefNotFound, message: 'API team-a/missing not found' },
      condition: 'API team-a/missing not found',
    },
    {
      name: 'a note carries its field and reference but sets no condition',
      method: 'note',
      reason: Reason.RefNotChecked,
      message: 'Secret team-a/key is not checked outside a cluster',
      about: { field: 'spec.credentials[0].secretRef', ref: { kind: 'Secret', id: 'team-a/key' } },
      finding: {
        severity: 'info',
        reason: Reason.RefNotChecked,
        field: 'spec.credentials[0].secretRef',
        ref: { kind: 'Secret', id: 'team-a/key' },
        message: 'Secret team-a/key is not checked outside a cluster',
      },
      condition: '',
    },
  ];

  it.each(cases)('$name', ({ method, reason, message, about, finding, condition }) => {
    const cs = new ConditionSet(3);
    cs[method](reason, message, about);
    expect(cs.findings).toEqual([finding]);
    const conditions = cs.conditions(false);
    const type = CONDITION_OF[method];
    if (type) expect(conditions.find((c) => c.type === type)).toMatchObject({ reason, message: condition, observedGeneration: 3 });
    else expect(conditions.map((c) => c.message)).toEqual(new ConditionSet(3).conditions(false).map((c) => c.message));
  });

  it.each([
    { name: 'a clean object waits for gateways', refuse: false, unresolved: false, want: { status: 'Unknown', reason: Reason.Pending } },
    { name: 'a refused object is not programmed', refuse: true, unresolved: true, want: { status: 'False', reason: Reason.NotAccepted } },
    {
      name: 'an object with a reference that did not resolve is served in part: never True',
      refuse: false,
      unresolved: true,
      want: {
        status: 'False',
        reason: Reason.Incomplete,
        message: 'not all of it is served (see ResolvedRefs); the rest: waiting for gateways to apply this generation',
      },
    },
  ])('Programmed: $name', ({ refuse, unresolved, want }) => {
    const cs = new ConditionSet(2);
    if (unresolved) cs.unresolved(Reason.RefNotFound, 'API team-a/missing not found', { field: 'spec.operations[1].api' });
    const conditions = cs.conditions(refuse);
    expect(conditions.find((c) => c.type === 'Programmed')).toMatchObject(want);
    expect(conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
  });
});
