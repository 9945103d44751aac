// The dev credential store's cost grows with the number of credentials, not its
// square: counted in reads of stored records, saves and random draws, not time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_VERSION, type ApplicationResource } from '../operator/resources/types.ts';
import { DevCredentialStore, type StoredCredential } from './dev-credential-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const application = (i: number): ApplicationResource =>
  ({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name: `app-${i}`, namespace: 'apps' },
    spec: { owner: { email: 'dev@example.com' }, credentials: [{ name: 'old' }, { name: 'new' }] },
  }) as ApplicationResource;

/** A store whose N stored credentials count every property read, and which counts its saves and random draws. */
function countingStore(stored: number) {
  const counts = { reads: 0, saves: 0, randomDraws: 0 };
  const records: StoredCredential[] = Array.from({ length: stored }, (_, i) => ({
    application: `apps/app-${i}`,
    name: 'old',
    consumerKey: `tg_${String(i).padStart(38, '0')}`,
    consumerSecret: `tgs_${String(i).padStart(38, '0')}`,
    issuedAt: '2026-01-01T00:00:00.000Z',
  }));
  const watched = records.map((r) => new Proxy(r, { get: (t, p, recv) => (counts.reads++, Reflect.get(t, p, recv)) }));
  const store = new DevCredentialStore(join(dir, `n${stored}`), {
    persistence: { load: () => watched, save: () => void counts.saves++ },
    random: (n) => (counts.randomDraws++, Buffer.alloc(n, counts.randomDraws % 256)),
    now: () => new Date('2026-01-02T00:00:00Z'),
  });
  return { store, counts };
}

describe('DevCredentialStore at scale', () => {
  // Each application keeps its stored `old` credential and gets a `new` one issued: N kept, N issued.
  it.each([500, 1_000, 2_000])('reconciles %i stored plus as many new credentials in O(N)', (n) => {
    const { store, counts } = countingStore(n);
    const apps = Array.from({ length: n }, (_, i) => application(i));
    const { views, issued } = store.reconcile(apps);
    expect(issued).toHaveLength(n);
    expect(views).toHaveLength(2 * n);
    // A handful of reads per stored record (index, hash view); a scan per new credential would be n reads each.
    expect(counts.reads / n).toBeLessThanOrEqual(12);
    expect(counts.saves).toBe(1);
    // A key and a secret per issued credential.
    expect(counts.randomDraws).toBe(2 * n);

    // Nothing new: no save, no draw, and the hash views are not recomputed from the records.
    const before = { ...counts };
    expect(store.reconcile(apps).issued).toHaveLength(0);
    expect(counts.saves).toBe(before.saves);
    expect(counts.randomDraws).toBe(before.randomDraws);
    expect(counts.reads - before.reads).toBeLessThanOrEqual(0);
    expect(store.reveal(`apps/app-${n - 1}`, 'old')?.consumerKey).toBe(`tg_${String(n - 1).padStart(38, '0')}`);
  });

  it('saves once per reconcile that changes something, however many credentials it issues', () => {
    const { store, counts } = countingStore(0);
    const apps: ApplicationResource[] = [];
    for (let i = 0; i < 50; i++) {
      apps.push(application(i));
      expect(store.reconcile(apps).issued).toHaveLength(2);
    }
    expect(counts.saves).toBe(50);
    store.reconcile(apps.slice(0, 10));
    expect(counts.saves).toBe(51);
    expect(store.reveal('apps/app-20', 'new')).toBeUndefined();
  });
});
