import { describe, expect, it } from 'vitest';
import type { Condition } from '../compiler/conditions.ts';
import { mergeConditions } from './merge-conditions.ts';

const now = new Date('2026-02-01T10:00:00.123Z');
const accepted = (status: Condition['status'], reason = 'Accepted'): Condition => ({
  type: 'Accepted',
  status,
  reason: reason as Condition['reason'],
  message: 'm',
  observedGeneration: 2,
});

describe('mergeConditions', () => {
  it.each([
    ['new condition gets now', undefined, accepted('True'), '2026-02-01T10:00:00Z'],
    [
      'same status keeps its time, even with a new reason',
      [{ ...accepted('True'), lastTransitionTime: '2026-01-01T00:00:00Z' }],
      accepted('True', 'PartialConflict'),
      '2026-01-01T00:00:00Z',
    ],
    ['changed status gets now', [{ ...accepted('True'), lastTransitionTime: '2026-01-01T00:00:00Z' }], accepted('False', 'Invalid'), '2026-02-01T10:00:00Z'],
  ] as const)('%s', (_name, previous, next, expected) => {
    const [merged] = mergeConditions(previous, [next], now);
    expect(merged!.lastTransitionTime).toBe(expected);
    expect(merged!.reason).toBe(next.reason);
  });
});
