import { describe, expect, it } from 'vitest';
import { basicSnapshot } from '../testing/fixtures.ts';
import type { SnapshotBody } from './version.ts';
import { validateSnapshot } from './validate.ts';

// Inactive subscriptions are checked like active ones: known application and
// product, one id across both lists, and only the states that never authorise.
const inactive = { id: 'team-b/app-old', application: 'team-b/app', product: 'team-a/gold', state: 'Revoked' as const };

const rows: Array<{ name: string; change: (b: SnapshotBody) => void; error?: string }> = [
  { name: 'a revoked subscription beside an active one', change: (b) => b.inactiveSubscriptions.push(inactive) },
  { name: 'an unknown product', change: (b) => b.inactiveSubscriptions.push({ ...inactive, product: 'team-a/nope' }), error: '/inactiveSubscriptions/0/product team-a/nope is not in /products' },
  { name: 'an unknown application', change: (b) => b.inactiveSubscriptions.push({ ...inactive, application: 'team-x/nope' }), error: '/inactiveSubscriptions/0/application team-x/nope is not in /applications' },
  { name: 'one id both active and inactive', change: (b) => b.inactiveSubscriptions.push({ ...inactive, id: 'team-b/app-gold' }), error: 'has team-b/app-gold twice' },
  { name: 'an Active state', change: (b) => b.inactiveSubscriptions.push({ ...inactive, state: 'Active' as never }), error: '/inactiveSubscriptions/0/state must be equal to one of the allowed values' },
  { name: 'a product without apiKeys', change: (b) => delete (b.products[0] as Partial<SnapshotBody['products'][number]>).apiKeys, error: "must have required property 'apiKeys'" },
];

describe('snapshot validation of the authorisation fields', () => {
  it.each(rows)('$name', ({ change, error }) => {
    const check = validateSnapshot(basicSnapshot('http://127.0.0.1:9', change));
    if (!error) return expect(check.ok ? [] : check.errors).toEqual([]);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join('\n')).toContain(error);
  });
});
