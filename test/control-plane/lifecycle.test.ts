// Nothing outlives a test control plane: not after stop(), not after the test
// process is interrupted, not even after it is killed outright.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startControlPlane } from './control-plane.ts';

const serveScript = join(dirname(fileURLToPath(import.meta.url)), 'serve.ts');

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

type Served = { dir: string; processGroups: { name: string; pgid: number }[] };

/** Runs serve.ts in its own process and resolves with what it printed once ready. */
function serveInChild(): Promise<{ served: Served; kill(signal: NodeJS.Signals): void; exited: Promise<unknown> }> {
  const proc = spawn(process.execPath, [serveScript, '--no-crds'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`serve.ts exited ${code} before it was ready`)));
    createInterface({ input: proc.stdout }).once('line', (line) => {
      resolve({ served: JSON.parse(line), kill: (s) => proc.kill(s), exited });
    });
  });
}

describe('control plane lifecycle', () => {
  it('stop() ends every server process and removes the temporary directory', async () => {
    const cp = await startControlPlane({ crdsDir: null });
    const groups = cp.processGroups();
    expect(groups.map((g) => g.name)).toEqual(['etcd', 'kube-apiserver']);
    expect(groups.every((g) => groupAlive(g.pgid))).toBe(true);
    await cp.stop();
    expect(groups.filter((g) => groupAlive(g.pgid))).toEqual([]);
    expect(existsSync(cp.dir)).toBe(false);
  }, 120_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'a %s to the test process ends the servers and removes the directory',
    async (signal) => {
      const child = await serveInChild();
      const groups = child.served.processGroups;
      expect(groups.every((g) => groupAlive(g.pgid))).toBe(true);
      child.kill(signal);
      await child.exited;
      expect(await eventually(() => groups.every((g) => !groupAlive(g.pgid)), 15_000)).toBe(true);
      expect(existsSync(child.served.dir)).toBe(false);
    },
    120_000,
  );

  it('a SIGKILLed test process still takes the servers and the directory with it', async () => {
    const child = await serveInChild();
    const groups = child.served.processGroups;
    try {
      child.kill('SIGKILL');
      await child.exited;
      // The tether notices within half a second and gives each server 10 s to stop.
      expect(await eventually(() => groups.every((g) => !groupAlive(g.pgid)), 20_000)).toBe(true);
      expect(existsSync(child.served.dir)).toBe(false);
    } finally {
      rmSync(child.served.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
