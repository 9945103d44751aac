import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { basicSnapshot } from '../../test/gateway/fixtures.ts';
import { waitFor } from '../../test/support/wait.ts';
import { SnapshotPersister } from './snapshot-persistence.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(delayMs: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-persist-'));
  dirs.push(dir);
  return { file: path.join(dir, 'snapshot.json'), persister: new SnapshotPersister(dir, pino({ level: 'silent' }), delayMs) };
}

const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

describe('SnapshotPersister', () => {
  it('without a delay writes the snapshot at once', async () => {
    const { file, persister } = setup(0);
    persister.save(basicSnapshot('http://127.0.0.1:9'));
    await persister.flush();
    expect(existsSync(file)).toBe(true);
  });

  it('with a delay writes only the newest snapshot, after the delay', async () => {
    const { file, persister } = setup(300);
    const first = basicSnapshot('http://127.0.0.1:9');
    const second = basicSnapshot('http://127.0.0.1:10');
    persister.save(first);
    persister.save(second);
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(file)).toBe(false);
    await waitFor('the delayed write', () => existsSync(file), 5_000);
    expect(version(file)).toBe(second.version);
  });

  // Pretty-printed, which serialising the snapshot again would not give: the bytes on disk are the ones handed over.
  it.each([
    { as: 'bytes (the operator client)', json: (text: string) => Buffer.from(text) },
    { as: 'text (a snapshot file)', json: (text: string) => text },
  ])('writes a snapshot saved with its JSON as $as as that JSON', async ({ json }) => {
    const { file, persister } = setup(0);
    const snapshot = basicSnapshot('http://127.0.0.1:9');
    const text = JSON.stringify(snapshot, null, 2);
    persister.save(snapshot, json(text));
    await persister.flush();
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('flush writes a delayed snapshot at once', async () => {
    const { file, persister } = setup(60_000);
    const snapshot = basicSnapshot('http://127.0.0.1:9');
    persister.save(snapshot);
    await persister.flush();
    expect(version(file)).toBe(snapshot.version);
  });
});
