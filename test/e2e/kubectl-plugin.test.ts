// `kubectl tollgate`: the CLI as a kubectl plugin (bin/kubectl-tollgate), found
// by the real kubectl on PATH as any plugin is.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinaries, repoRoot } from '../control-plane/binaries.ts';

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: '/nonexistent' };
  return new Promise((resolve) => {
    execFile(findBinaries().kubectl, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('kubectl tollgate', () => {
  it('is a plugin kubectl finds, and runs the CLI', async () => {
    const list = await kubectl(['plugin', 'list']);
    expect(list.stdout).toContain(join(repoRoot, 'bin', 'kubectl-tollgate'));
    const version = await kubectl(['tollgate', '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const valid = await kubectl(['tollgate', 'validate', join(repoRoot, 'examples', 'hello-world')]);
    expect(valid.code, valid.stderr).toBe(0);
    const bad = await kubectl(['tollgate', 'validate', join(repoRoot, 'no-such-dir')]);
    expect(bad.code).not.toBe(0);
  }, 60_000);
});
