import { describe, expect, it } from 'vitest';
import type { Condition } from '../compiler/conditions.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { StatusEventTracker, type ObserveInput } from './status-events.ts';

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

const none: ObserveInput = { storedOf: () => undefined, now: 0 };
const at = (now: number): ObserveInput => ({ ...none, now });

describe('status events', () => {
  it('warns once when a reference goes missing, not on every recompile, and says when it recovers', () => {
    const t = new StatusEventTracker();
    expect(t.observe([product(ok)], none)).toEqual([]);
    const broken = t.observe([product(missing())], none);
    expect(broken).toEqual([expect.objectContaining({ type: 'Warning', reason: 'RefNotFound', note: 'ResolvedRefs: API ns/nope not found' })]);
    expect(t.observe([product(missing())], none)).toEqual([]);
    expect(t.observe([product(missing('API ns/other not found'))], none)).toEqual([expect.objectContaining({ type: 'Warning', reason: 'RefNotFound' })]);
    expect(t.observe([product(ok)], none)).toEqual([expect.objectContaining({ type: 'Normal', reason: 'ResolvedRefs' })]);
  });

  it('repeats nothing the stored status already says (a restart or a new leader)', () => {
    const t = new StatusEventTracker();
    const s = product(missing());
    expect(t.observe([s], { ...none, storedOf: () => s.status })).toEqual([]);
    // A new object that is fine says nothing either.
    expect(new StatusEventTracker().observe([product(ok)], none)).toEqual([]);
  });

  it('tells subscription phases: pending, approved (by whom), rejected; not as warnings', () => {
    const t = new StatusEventTracker();
    const pending = t.observe([subscription('PendingApproval', cond('Accepted', 'False', 'PendingApproval', 'needs approval'))], none);
    expect(pending).toEqual([expect.objectContaining({ type: 'Normal', reason: 'PendingApproval', note: 'needs approval' })]);
    const approved = t.observe([subscription('Active', cond('Accepted', 'True', 'Accepted'))], { ...none, approverOf: () => 'alice' });
    expect(approved).toEqual([expect.objectContaining({ type: 'Normal', reason: 'Approved', note: 'approved by alice' })]);
    const rejected = t.observe([subscription('Rejected', cond('Accepted', 'False', 'Rejected', 'rejected by bob'))], none);
    expect(rejected).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Rejected', note: 'rejected by bob' })]);
  });

  it('forgets deleted objects, and everything on reset', () => {
    const t = new StatusEventTracker();
    t.observe([product(missing())], none);
    t.observe([], none);
    expect(t.observe([product(missing())], none)).toHaveLength(1);
    t.reset();
    expect(t.observe([product(missing())], { ...none, storedOf: () => product(missing()).status })).toEqual([]);
  });

  it('tells a condition gone bad only once it has lasted settleMs, and nothing of one that recovered before', () => {
    const t = new StatusEventTracker({ settleMs: 2_000 });
    expect(t.observe([product(ok)], at(0))).toEqual([]);
    expect(t.due()).toBeUndefined();
    // A product seen before the API it names (each kind has its own watch): not told, and neither is its recovery.
    expect(t.observe([product(missing())], at(1_000))).toEqual([]);
    expect(t.due()).toBe(3_000);
    expect(t.observe([product(ok)], at(1_200))).toEqual([]);
    expect(t.due()).toBeUndefined();
    // Bad for good: told once, when due, however its message changed meanwhile; then its recovery.
    expect(t.observe([product(missing())], at(5_000))).toEqual([]);
    expect(t.observe([product(missing('API ns/other not found'))], at(6_000))).toEqual([]);
    expect(t.due()).toBe(7_000);
    expect(t.observe([product(missing('API ns/other not found'))], at(7_000))).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RefNotFound', note: 'ResolvedRefs: API ns/other not found' }),
    ]);
    expect(t.due()).toBeUndefined();
    expect(t.observe([product(missing('API ns/other not found'))], at(9_000))).toEqual([]);
    expect(t.observe([product(ok)], at(9_500))).toEqual([expect.objectContaining({ type: 'Normal', reason: 'ResolvedRefs' })]);
  });

  it('tells subscription phases at once, settle or not', () => {
    const t = new StatusEventTracker({ settleMs: 2_000 });
    const pending = t.observe([subscription('PendingApproval', cond('Accepted', 'False', 'PendingApproval', 'needs approval'))], at(0));
    expect(pending).toEqual([expect.objectContaining({ type: 'Normal', reason: 'PendingApproval' })]);
    expect(t.due()).toBeUndefined();
  });
});
