import { describe, expect, it } from 'vitest';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { desiredStatus, statusPatch } from './status-writer.ts';

const computed: ObjectStatus = {
  kind: 'Subscription',
  namespace: 'ns',
  name: 's',
  generation: 3,
  status: {
    observedGeneration: 3,
    phase: 'Active',
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', observedGeneration: 3 }],
  },
};
const now = new Date('2026-03-01T00:00:00Z');

describe('status writing', () => {
  it('is unchanged when the stored status already says the same (times kept)', () => {
    const stored = desiredStatus(computed, undefined, new Date('2026-01-01T00:00:00Z'));
    expect(desiredStatus(computed, stored, now)).toEqual(stored);
  });

  it('clears fields that went away with null in the merge patch', () => {
    const stored = { phase: 'Active', plan: 'gold', conditions: [] };
    const patch = statusPatch(desiredStatus(computed, stored, now), stored);
    expect(patch.plan).toBeNull();
    expect(patch.phase).toBe('Active');
  });
});
