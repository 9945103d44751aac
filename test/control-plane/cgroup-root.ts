// Each test node's pods under a cgroup of its own. With the default cgroupRoot every
// kubelet on the machine shares /kubepods, and one kubelet takes another's pod
// cgroups for orphans: it kills their processes and removes them (seen as
// "Pod sandbox changed, it will be killed and re-created" and exit 137 when two
// test nodes ran at once). A directory in each hierarchy already mounted is made
// and removed; the mounts themselves are left as they are.
import { mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

function hierarchies(): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1]!);
}

/** Makes the cgroup `name` in every hierarchy; returns the kubelet's cgroupRoot for it. */
export function makeCgroupRoot(name: string): string {
  for (const h of hierarchies()) mkdirSync(join(h, name), { recursive: true });
  return `/${name}`;
}

/** A cgroup directory goes with rmdir only, children first; one still holding a process stays. */
function removeTree(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // EBUSY: a process is still in it.
  }
}

/** The processes in the cgroup `name` and below (of one hierarchy: each holds all of them). */
function processesIn(dir: string): number[] {
  let entries;
  let own: number[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
    own = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // gone meanwhile
  }
  return [...own, ...entries.filter((e) => e.isDirectory()).flatMap((e) => processesIn(join(dir, e.name)))];
}

/**
 * Kills what is left in the node's cgroup, then removes it. What can be left: a
 * container whose runc init or pause process lost its shim while the node stopped
 * mid-start; everything in this cgroup is this node's, so nothing else is touched.
 */
export async function removeCgroupRoot(name: string): Promise<void> {
  const [first] = hierarchies();
  for (let i = 0; first && i < 20; i++) {
    const pids = processesIn(join(first, name));
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const h of hierarchies()) removeTree(join(h, name));
}
