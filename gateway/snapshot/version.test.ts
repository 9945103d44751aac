import { describe, expect, it } from 'vitest';
import { SNAPSHOT_SCHEMA } from './types.ts';
import { validateSnapshot } from './validate.ts';
import { sealSnapshot, snapshotVersion, type SnapshotBody } from './version.ts';

const body: SnapshotBody = { schema: SNAPSHOT_SCHEMA, routes: [], apis: [], products: [], applications: [], subscriptions: [], inactiveSubscriptions: [] };

describe('snapshot version', () => {
  it('is the same for the same content and survives a JSON round trip', () => {
    const a = sealSnapshot({ ...body });
    const b = JSON.parse(JSON.stringify(a));
    expect(snapshotVersion(b)).toBe(a.version);
    expect(validateSnapshot(b)).toEqual({ ok: true, snapshot: b });
  });

  it('changes with the content, and a tampered snapshot is refused', () => {
    const a = sealSnapshot({ ...body });
    const changed = sealSnapshot({ ...body, tokens: { issuer: 'i', audience: 'a', keys: [] } });
    expect(changed.version).not.toBe(a.version);
    const tampered = { ...a, tokens: { issuer: 'i', audience: 'a', keys: [] } };
    const check = validateSnapshot(tampered);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join()).toContain('does not match the content');
  });

  it('puts version second for readers', () => {
    expect(Object.keys(sealSnapshot({ ...body })).slice(0, 2)).toEqual(['schema', 'version']);
  });
});
