import { describe, expect, it } from 'vitest';
import type { Condition } from '../compiler/conditions.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { StatusEventTracker } from './status-events.ts';

const cond = (type: Condition['type'], status: Condition['status'], reason: string, message = `${type} ${reason}`): Condition =>
  ({ type, status, reason, message, observedGeneration: 1 }) as Condition;

const ok = [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs'), cond('Programmed', 'True', 'Programmed')];
const missing = (what = 'API ns/nope not found') => [
  cond('Accepted', 'True', 'Accepted'),
  cond('ResolvedRefs', 'False', 'RefNotFound', what),
  cond('Programmed', 'False', 'NotAccepted'),
];

function product(conditions: Condition[]): ObjectStatus {
  return { kind: 'APIProduct', namespace: 'ns', name: 'p', generation: 1, status: { observedGeneration: 1, conditions } };
}
function subscription(phase: string, accepted: Condition): ObjectStatus {
  return { kind: 'Subscription', namespace: 'ns', name: 's', generation: 1, status: { observedGeneration: 1, phase, conditions: [accepted] } };
}

describe('status events', () => {
  it('warns once when a reference goes missing, not on every recompile, and says when it recovers', () => {
    const t = new StatusEventTracker();
    expect(t.observe([product(ok)], () => undefined)).toEqual([]);
    const broken = t.observe([product(missing())], () => undefined);
    expect(broken).toEqual([expect.objectContaining({ type: 'Warning', reason: 'RefNotFound', note: 'ResolvedRefs: API ns/nope not found' })]);
    expect(t.observe([product(missing())], () => undefined)).toEqual([]);
    expect(t.observe([product(missing('API ns/other not found'))], () => undefined)).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RefNotFound' }),
    ]);
    expect(t.observe([product(ok)], () => undefined)).toEqual([expect.objectContaining({ type: 'Normal', reason: 'ResolvedRefs' })]);
  });

  it('repeats nothing the stored status already says (a restart or a new leader)', () => {
    const t = new StatusEventTracker();
    const s = product(missing());
    expect(t.observe([s], () => s.status)).toEqual([]);
    // A new object that is fine says nothing either.
    expect(new StatusEventTracker().observe([product(ok)], () => undefined)).toEqual([]);
  });

  it('tells subscription phases: pending, approved (by whom), rejected; not as warnings', () => {
    const t = new StatusEventTracker();
    const pending = t.observe([subscription('PendingApproval', cond('Accepted', 'False', 'PendingApproval', 'needs approval'))], () => undefined);
    expect(pending).toEqual([expect.objectContaining({ type: 'Normal', reason: 'PendingApproval', note: 'needs approval' })]);
    const approved = t.observe(
      [subscription('Active', cond('Accepted', 'True', 'Accepted'))],
      () => undefined,
      () => 'alice',
    );
    expect(approved).toEqual([expect.objectContaining({ type: 'Normal', reason: 'Approved', note: 'approved by alice' })]);
    const rejected = t.observe([subscription('Rejected', cond('Accepted', 'False', 'Rejected', 'rejected by bob'))], () => undefined);
    expect(rejected).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Rejected', note: 'rejected by bob' })]);
  });

  it('forgets deleted objects, and everything on reset', () => {
    const t = new StatusEventTracker();
    t.observe([product(missing())], () => undefined);
    t.observe([], () => undefined);
    expect(t.observe([product(missing())], () => undefined)).toHaveLength(1);
    t.reset();
    expect(t.observe([product(missing())], () => product(missing()).status)).toEqual([]);
  });
});
