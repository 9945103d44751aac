import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../gateway/snapshot/types.ts';
import { nextRefreshMs } from './next-refresh.ts';

const now = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(now + ms).toISOString();
const snapshot = (...credentials: Array<{ expiresAt?: string; revoked?: boolean }>) =>
  ({ applications: [{ credentials: credentials.map((c, i) => ({ name: `c${i}`, keyHash: 'sha256:0', revoked: false, ...c })) }] }) as unknown as Snapshot;

describe('nextRefreshMs', () => {
  it.each([
    { name: 'nothing expires', s: snapshot({}), ms: 60_000 },
    { name: 'an expiry beyond a minute', s: snapshot({ expiresAt: at(3_600_000) }), ms: 60_000 },
    { name: 'an expiry in 1.5 s', s: snapshot({ expiresAt: at(1_500) }), ms: 1_510 },
    { name: 'the earliest of several', s: snapshot({ expiresAt: at(30_000) }, { expiresAt: at(5_000) }, { expiresAt: at(9_000) }), ms: 5_010 },
    { name: 'an expiry a few ms ahead (lower bound)', s: snapshot({ expiresAt: at(3) }), ms: 1_000 },
    { name: 'only past expiries', s: snapshot({ expiresAt: at(-5_000) }, { expiresAt: at(0) }), ms: 60_000 },
    { name: 'a revoked credential', s: snapshot({ expiresAt: at(2_000), revoked: true }), ms: 60_000 },
    { name: 'no applications', s: { applications: [] } as unknown as Snapshot, ms: 60_000 },
  ])('$name: $ms ms', ({ s, ms }) => {
    expect(nextRefreshMs(s, now)).toBe(ms);
  });

  it('takes other bounds', () => {
    expect(nextRefreshMs(snapshot({ expiresAt: at(3_600_000) }), now, { minMs: 10, maxMs: 200 })).toBe(200);
    expect(nextRefreshMs(snapshot({ expiresAt: at(1) }), now, { minMs: 10, maxMs: 200 })).toBe(11);
  });
});
