import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_SCHEMA, type Snapshot } from './types.ts';
import { validateSnapshot } from './validate.ts';
import { snapshotJsonBytes } from './snapshot-json.ts';
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

/** The definition the version has always had; the streamed hash must give the same bytes. */
function referenceVersion(snapshot: object): string {
  const { version: _ignored, ...rest } = snapshot as { version?: string };
  return 'sha256:' + createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

const subscription = (i: number) => ({ id: `ns/s-${i}`, application: `ns/a-${i % 7}`, product: 'ns/p', ...(i % 3 ? { plan: 'gold' } : {}) });

const cases: Array<[string, Record<string, unknown>]> = [
  ['empty', { ...body }],
  ['version present and ignored, wherever it sits', { version: 'sha256:old', ...body, routes: [{ host: '*', basePath: '/a', api: 'ns/a' }] }],
  ['no schema first, tokens last', { routes: [], tokens: { issuer: 'i', audience: 'a', keys: [{ kid: 'k', n: 'x', e: 'AQAB' }] }, schema: SNAPSHOT_SCHEMA }],
  ['non-ASCII, escapes and a lone surrogate', { ...body, apis: [{ id: 'ns/ü', displayName: 'Wetter ☀ "quoted" \\ \n\t\u0001 \ud83d\ude00 \ud800 end' }] }],
  [
    'undefined fields and array entries, as JSON.stringify drops or nulls them',
    { ...body, tokens: undefined, routes: [undefined, { host: '*', basePath: '/x', api: undefined }], apis: [() => 1] },
  ],
  ['numbers', { ...body, products: [{ a: -0, b: 1e21, c: 0.1 + 0.2, d: Number.NaN, e: -1.5e-7 }] }],
  [
    'arrays across many chunks, with a sparse one',
    { ...body, subscriptions: Array.from({ length: 2049 }, (_, i) => subscription(i)), inactiveSubscriptions: new Array(600) },
  ],
  ...[1, 255, 256, 257, 512, 513].map((length): [string, Record<string, unknown>] => [
    `${length} items, either side of chunk boundaries`,
    { ...body, subscriptions: Array.from({ length }, (_, i) => subscription(i)) },
  ]),
  ['non-array values that are objects and scalars', { ...body, extra: { nested: [1, 'two', null] }, flag: true, count: 3, nothing: null }],
];

describe('snapshot version equals the SHA-256 of JSON.stringify of the body', () => {
  it.each(cases)('%s', (_name, snapshot) => {
    expect(snapshotVersion(snapshot as unknown as Snapshot)).toBe(referenceVersion(snapshot));
  });

  it('is pinned for a known snapshot', () => {
    // Computed with the original whole-string implementation: a change here breaks every gateway's comparison.
    expect(snapshotVersion(body)).toBe('sha256:15da1eda7d3afcca15086af0318d327cce81b2599341ebd169a35cc450772909');
    expect(snapshotVersion({ ...body, subscriptions: Array.from({ length: 1000 }, (_, i) => subscription(i)) })).toBe(
      'sha256:7172cbb7635ca2eebc8e2da3947e2363a21b092fa02c959ef6660913ad4a5994',
    );
  });
});

describe('the JSON gateways are sent is, byte for byte, that of JSON.stringify', () => {
  it.each(cases)('%s', (_name, snapshot) => {
    expect(snapshotJsonBytes(snapshot as unknown as Snapshot).equals(Buffer.from(JSON.stringify(snapshot)))).toBe(true);
  });
});
