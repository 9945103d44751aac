// A missing control plane is a failure with instructions, never a skip.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { binariesDir, findBinaries, pinnedKubernetesVersion, repoRoot } from './binaries.ts';
import { startControlPlane } from './control-plane.ts';

describe('control-plane binaries', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('are looked for in the cache for the pinned release', () => {
    expect(pinnedKubernetesVersion()).toMatch(/^v1\.\d+\.\d+$/);
    expect(binariesDir({})).toBe(join(repoRoot, '.cache', 'control-plane', pinnedKubernetesVersion()));
    expect(binariesDir({ TOLLGATE_CACHE_DIR: '/x' })).toBe(join('/x', 'control-plane', pinnedKubernetesVersion()));
    expect(binariesDir({ KUBEBUILDER_ASSETS: '/envtest' })).toBe('/envtest');
  });

  it('when missing, make the helper fail and say to run make control-plane', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tollgate-no-binaries-'));
    try {
      // etcd and kubectl there, kube-apiserver not: each binary is checked.
      for (const name of ['etcd', 'kubectl']) writeFileSync(join(empty, name), '#!/bin/sh\n', { mode: 0o755 });
      expect(() => findBinaries({ KUBEBUILDER_ASSETS: empty })).toThrow(/no executable kube-apiserver.*make control-plane/s);
      vi.stubEnv('KUBEBUILDER_ASSETS', empty);
      await expect(startControlPlane({ crdsDir: null })).rejects.toThrow(/make control-plane/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
