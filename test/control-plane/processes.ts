// Child processes of a test control plane: each in its own process group (so one
// signal reaches everything it started), tethered to this process (so a killed
// test worker leaves nothing running), with output to a log file.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const tether = join(dirname(fileURLToPath(import.meta.url)), 'tether.sh');

export type Child = {
  name: string;
  pid: number;
  logFile: string;
  /** Settles when the process has exited, with its exit code (or null after a signal). */
  exited: Promise<number | null>;
  hasExited(): boolean;
  logTail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
};

/** leftoverDir: removed by the tether if this process dies without cleaning up. */
export function startChild(name: string, command: string, args: string[], logFile: string, leftoverDir = '-'): Child {
  const fd = openSync(logFile, 'a');
  const proc = spawn('bash', [tether, String(process.pid), leftoverDir, command, ...args], {
    detached: true, // setsid: its own process group, and no SIGINT from our terminal
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      done = true;
      resolve(code);
    });
    proc.on('error', (err) => {
      done = true;
      resolve(null);
      console.error(`control plane: could not start ${name}: ${err.message}`);
    });
  });
  if (proc.pid === undefined) throw new Error(`control plane: could not start ${name} (${command})`);
  const pid = proc.pid;
  const child: Child = {
    name,
    pid,
    logFile,
    exited,
    hasExited: () => done,
    logTail: (lines = 30) => tailOf(logFile, lines),
    async stop(graceMs = 5_000) {
      if (done) {
        live.delete(child);
        return;
      }
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The tether has gone; make sure nothing it started lingers in the group.
      signalGroup(pid, 'SIGKILL');
      live.delete(child);
    },
  };
  live.add(child);
  return child;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// What must go when this process goes, whichever way it goes.
const live = new Set<Child>();
const tempDirs = new Set<string>();

export function removeOnExit(dir: string): void {
  tempDirs.add(dir);
}

export function removeNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

function cleanUpNow(): void {
  for (const child of live) signalGroup(child.pid, 'SIGKILL');
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

let hooked = false;
export function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUpNow();
      // Die of the same signal, as if we had not been listening.
      process.kill(process.pid, signal);
    });
  }
}
