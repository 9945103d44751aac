import { describe, expect, it } from 'vitest';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { ProgrammedTracker } from './programmed.ts';

const status = (generation: number, programmed: 'Unknown' | 'False' = 'Unknown'): ObjectStatus => ({
  kind: 'API',
  namespace: 'ns',
  name: 'a',
  generation,
  status: {
    observedGeneration: generation,
    conditions: [
      { type: 'Programmed', status: programmed, reason: programmed === 'False' ? 'NotAccepted' : 'Pending', message: '', observedGeneration: generation },
    ],
  },
});
const now = new Date('2026-01-01T00:01:00Z');
const at = '2026-01-01T00:00:50Z';
const v1 = `sha256:${'1'.repeat(64)}`;
const v2 = `sha256:${'2'.repeat(64)}`;

describe('ProgrammedTracker', () => {
  const tracker = new ProgrammedTracker();
  tracker.record(v1, [status(1)]);
  tracker.record(v2, [status(2)]);

  it.each([
    ['no replicas', [], 'Unknown', '0/0'],
    [
      'every replica on the new version',
      [
        { replica: 'a', applied: v2, at },
        { replica: 'b', applied: v2, at },
      ],
      'True',
      '2/2',
    ],
    [
      'one replica behind',
      [
        { replica: 'a', applied: v2, at },
        { replica: 'b', applied: v1, at },
      ],
      'Unknown',
      '1/2',
    ],
    [
      'a stale replica does not count',
      [
        { replica: 'a', applied: v2, at },
        { replica: 'b', applied: v1, at: '2025-12-31T00:00:00Z' },
      ],
      'True',
      '1/1',
    ],
    ['an unknown version counts as behind', [{ replica: 'a', applied: `sha256:${'9'.repeat(64)}`, at }], 'Unknown', '0/1'],
  ] as const)('%s', (_name, reports, expected, replicas) => {
    const s = status(2);
    tracker.apply([s], [...reports], now, 30_000);
    expect(s.status.conditions[0]!.status).toBe(expected);
    expect(s.status.programmedReplicas).toBe(replicas);
  });

  it('leaves a refused object False', () => {
    const s = status(2, 'False');
    tracker.apply([s], [{ replica: 'a', applied: v2, at }], now, 30_000);
    expect(s.status.conditions[0]!.status).toBe('False');
  });

  it('counts the served part of an Incomplete object but leaves it False', () => {
    const s = status(2, 'False');
    Object.assign(s.status.conditions[0]!, { reason: 'Incomplete', message: 'not all of it is served (see ResolvedRefs); the rest: waiting' });
    tracker.apply([s], [{ replica: 'a', applied: v2, at }], now, 30_000);
    expect(s.status.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'Incomplete',
      message: 'not all of it is served (see ResolvedRefs); the rest: applied by 1/1 gateway replicas',
    });
    expect(s.status.programmedReplicas).toBe('1/1');
  });
});
