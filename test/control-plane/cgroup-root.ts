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

export function removeCgroupRoot(name: string): void {
  for (const h of hierarchies()) removeTree(join(h, name));
}
