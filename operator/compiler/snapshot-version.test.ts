// The snapshot version is a contract between the operator and every gateway: the
// hash is computed in pieces for speed, and must stay the hash it always was.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../gateway/snapshot/types.ts';
import { snapshotVersion } from '../../gateway/snapshot/version.ts';
import { generateResources } from '../../bench/compile/generate.ts';
import { compile } from './compile.ts';

const root = new URL('./testdata/', import.meta.url).pathname;
const goldens = readdirSync(root)
  .filter((d) => existsSync(join(root, d, 'snapshot.golden.json')))
  .sort();

/** How the version was first defined: SHA-256 of the whole body as one JSON string. */
function referenceVersion(snapshot: Snapshot): string {
  const { version: _ignored, ...body } = snapshot;
  return 'sha256:' + createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

describe('snapshot version is unchanged', () => {
  it.each(goldens)('golden %s keeps the version it was written with', (name) => {
    const golden = JSON.parse(readFileSync(join(root, name, 'snapshot.golden.json'), 'utf8')) as Snapshot;
    expect(snapshotVersion(golden)).toBe(golden.version);
  });

  it.each([0.002, 0.01, 0.03])('synthetic estate at scale %s hashes as the whole-string JSON did', (scale) => {
    const { snapshot } = compile(generateResources(scale), { now: new Date('2026-01-01T00:00:00Z') });
    expect(snapshot.subscriptions.length).toBeGreaterThan(0);
    expect(snapshot.version).toBe(referenceVersion(snapshot));
  });

  it('pins the synthetic estate at scale 0.01', () => {
    // Written by the whole-string implementation before the hash was streamed.
    const { snapshot } = compile(generateResources(0.01), { now: new Date('2026-01-01T00:00:00Z') });
    expect(snapshot.version).toBe('sha256:a68281b01efad4e3bd47adcddca1a3161dea549fe7f2f5a1fef20e9ac1d74570');
  });
});
