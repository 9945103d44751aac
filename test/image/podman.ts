// The image `make image` built (scripts/image/build.sh), run with podman: as the
// kubelet would, non-root and with a read-only root filesystem.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from '../control-plane/binaries.ts';

/** This tree's image (its input digest tag): localhost/tollgate:dev is whichever tree on the machine built last. */
export const IMAGE = process.env.TOLLGATE_IMAGE ?? execFileSync(join(repoRoot, 'scripts', 'image', 'build.sh'), ['--print-tag'], { encoding: 'utf8' }).trim();

export type Run = { code: number; stdout: string; stderr: string };

/**
 * How containers run on these machines without touching their cgroup setup
 * (cgroup v1 controllers with a cgroup v2 hierarchy beside them): crun refuses
 * that ("cgroups in hybrid mode not supported, drop all controllers from
 * cgroupv2"), runc accepts it; and the root here lacks CAP_SYS_RESOURCE, so
 * podman's default rlimits (nofile 1048576) cannot be set: ask for less.
 */
export const RUN_FLAGS = ['--runtime', process.env.TOLLGATE_OCI_RUNTIME ?? 'runc', '--ulimit', 'nofile=16384:16384', '--ulimit', 'nproc=4096:4096'];

export function podman(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile('podman', args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Throws, never skips: without podman or the image the test has failed (run `make image`). */
export async function requireImage(): Promise<void> {
  const r = await podman(['image', 'exists', IMAGE]);
  if (r.code !== 0) throw new Error(`no image ${IMAGE} (podman image exists: ${r.code} ${r.stderr.trim()}): run \`make image\``);
}

export interface Container {
  name: string;
  /** The exit code once `podman run` returned. */
  exited(): number | null;
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** `podman run` in the foreground (its output is the container's), host network, read-only root. */
export function runContainer(args: string[], command: string[]): Container {
  const name = `tollgate-test-${randomBytes(4).toString('hex')}`;
  const child = spawn(
    'podman',
    [
      'run',
      ...RUN_FLAGS,
      '--rm',
      '--name',
      name,
      '--network=host',
      '--read-only',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      ...args,
      IMAGE,
      ...command,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return {
    name,
    exited: () => child.exitCode,
    child,
    logs: () => out,
    stop: async () => {
      await podman(['rm', '-f', '-t', '5', name], 30_000);
    },
  };
}
