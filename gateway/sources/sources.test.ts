import { appendFileSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { send, silentLogger, startGateway, TEST_KEY } from '../../test/gateway/fixtures.ts';
import { startFileSource } from './file-source.ts';
import { useSnapshotSourceHarness } from '../../test/gateway/snapshot-source-harness.ts';
import { waitFor } from '../../test/support/wait.ts';

const { onCleanup, tempDir, gateway, readyz, v1, v2 } = useSnapshotSourceHarness();

function writeAtomically(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

describe('the snapshot file source', () => {
  it('is not ready before a first snapshot, then follows the file and refuses bad edits', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'snapshot.json');
    const gw = await gateway();
    expect(await readyz(gw)).toBe(503);
    expect((await send(gw.proxyPort, '/hello/1.0.0/x')).json().code).toBe('not-ready');

    writeFileSync(file, JSON.stringify(v1()));
    const source = await startFileSource(gw, file, silentLogger);
    onCleanup(() => source.close());
    expect(gw.currentVersion()).toBe(v1().version);
    expect(await readyz(gw)).toBe(200);

    writeAtomically(file, JSON.stringify(v2()));
    await waitFor('the gateway to apply v2', () => gw.currentVersion() === v2().version);

    writeAtomically(file, '{"schema": "tollgate.dev/snapshot/v1", "broken": ');
    const tampered = { ...v1(), version: v2().version };
    await new Promise((r) => setTimeout(r, 300));
    writeAtomically(file, JSON.stringify(tampered));
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.currentVersion()).toBe(v2().version);
    expect((await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } })).status).toBe(200);
    const metrics = await gw.metrics.registry.getSingleMetricAsString('tollgate_snapshot_reloads_total');
    expect(metrics).toContain('result="refused"} 2');
  });
});

describe('the snapshot file source and the files beside it', () => {
  const reloads = async (gw: Gateway): Promise<number> => {
    const text = await gw.metrics.registry.getSingleMetricAsString('tollgate_snapshot_reloads_total');
    return [...text.matchAll(/^tollgate_snapshot_reloads_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };

  it('does not read the snapshot again when another file in its directory changes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'snapshot.json');
    writeFileSync(file, JSON.stringify(v1()));
    const gw = await gateway();
    const source = await startFileSource(gw, file, silentLogger);
    onCleanup(() => source.close());
    const before = await reloads(gw);
    for (let i = 0; i < 20; i++) {
      appendFileSync(path.join(dir, 'gateway.log'), `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await reloads(gw)).toBe(before);
    writeAtomically(file, JSON.stringify(v2()));
    await waitFor('the gateway to apply v2', () => gw.currentVersion() === v2().version);
  });

  it('follows a Kubernetes volume update, which swaps the ..data symlink', async () => {
    const dir = tempDir();
    const version = (n: number, snapshot: object): void => {
      mkdirSync(path.join(dir, `..v${n}`));
      writeFileSync(path.join(dir, `..v${n}`, 'snapshot.json'), JSON.stringify(snapshot));
    };
    version(1, v1());
    symlinkSync(`..v1`, path.join(dir, '..data'));
    symlinkSync('..data/snapshot.json', path.join(dir, 'snapshot.json'));
    const gw = await gateway();
    const source = await startFileSource(gw, path.join(dir, 'snapshot.json'), silentLogger);
    onCleanup(() => source.close());
    expect(gw.currentVersion()).toBe(v1().version);
    version(2, v2());
    symlinkSync(`..v2`, path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    await waitFor('the gateway to apply v2', () => gw.currentVersion() === v2().version);
  });
});

describe('the state directory', () => {
  it('serves the last good snapshot after a restart, before any source answers', async () => {
    const stateDir = tempDir();
    const first = await startGateway(undefined, { stateDir });
    first.applySnapshot(v2());
    await first.close();
    const written = statSync(path.join(stateDir, 'snapshot.json')).mtimeMs;

    const second = await gateway({ stateDir });
    expect(second.currentVersion()).toBe(v2().version);
    // Served from the file, which is not written again.
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(path.join(stateDir, 'snapshot.json')).mtimeMs).toBe(written);
    expect(await readyz(second)).toBe(200);
    expect((await send(second.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } })).status).toBe(200);
  });
});
