// What the snapshot-source tests (the file source, the operator's long-poll
// publisher and client) share: one upstream for the file, gateways and temporary
// directories closed after each test, and two snapshot versions to move between.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Gateway } from '../../gateway/server/create-gateway.ts';
import type { Snapshot } from '../../gateway/snapshot/types.ts';
import { basicSnapshot, send, startGateway, startUpstream, type Upstream } from './fixtures.ts';

export type SnapshotSourceHarness = {
  /** Runs after the current test, last registered first. */
  onCleanup: (fn: () => Promise<void> | void) => void;
  tempDir: () => string;
  gateway: (options?: Parameters<typeof startGateway>[1]) => Promise<Gateway>;
  readyz: (gw: Gateway) => Promise<number>;
  v1: () => Snapshot;
  /** v1 with the product renamed: a second version. */
  v2: () => Snapshot;
};

export function useSnapshotSourceHarness(): SnapshotSourceHarness {
  let upstream: Upstream | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
  });
  afterAll(() => upstream?.close());
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  const url = () => {
    if (!upstream) throw new Error('upstream not started (did beforeAll fail?)');
    return upstream.url;
  };
  return {
    onCleanup: (fn) => void cleanups.push(fn),
    tempDir: () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-sources-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    gateway: async (options = {}) => {
      const gw = await startGateway(undefined, options);
      cleanups.push(() => gw.close());
      return gw;
    },
    readyz: async (gw) => (await send(gw.adminPort, '/readyz')).status,
    v1: () => basicSnapshot(url()),
    v2: () => basicSnapshot(url(), (b) => (b.products[0]!.displayName = 'Gold v2')),
  };
}
