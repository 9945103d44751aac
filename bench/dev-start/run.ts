// bench/dev-start: `tollgate dev` on a large estate (2,000 APIs, 20,000
// applications with two credentials each), as a real process: time from spawn
// to "gateway on ..." and peak RSS, first with an empty state directory (every
// key issued) and then again on the same one (a restart). Target: < 5 s.
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeEstate } from './write-estate.ts';

const TARGET_MS = 5_000;
const TIMEOUT_MS = 180_000;
const counts = {
  apis: Number(process.env.BENCH_APIS ?? 2_000),
  products: Number(process.env.BENCH_PRODUCTS ?? 400),
  applications: Number(process.env.BENCH_APPLICATIONS ?? 20_000),
  subscriptions: Number(process.env.BENCH_SUBSCRIPTIONS ?? 40_000),
};
const tollgate = new URL('../../bin/tollgate', import.meta.url).pathname;

interface Start {
  readyMs: number;
  /** CPU time the process had used when ready: on a busy machine ready ms is mostly waiting for a core. */
  cpuMs: number;
  peakRssMiB: number;
  newCredentialLines: number;
  lastLines: string[];
}

/** Peak RSS of a live process, from the kernel's high-water mark. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** User plus system CPU time of a live process, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function startDev(config: string, stateDir: string): Promise<Start> {
  const t0 = performance.now();
  const child = spawn(tollgate, ['dev', config, '--port', '0', '--admin-port', '0', '--state-dir', stateDir], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let newCredentialLines = 0;
    const tail: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tollgate dev not ready within ${TIMEOUT_MS} ms; last output: ${tail.join(' | ')}`));
    }, TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`tollgate dev exited (${code}) before it was ready; last output: ${tail.join(' | ')}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('new credential ')) newCredentialLines++;
        tail.push(line);
        if (tail.length > 3) tail.shift();
        if (!line.startsWith('gateway on ')) continue;
        const readyMs = performance.now() - t0;
        const rss = peakRssMiB(child.pid!);
        const cpu = cpuMs(child.pid!);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => resolve({ readyMs, cpuMs: cpu, peakRssMiB: rss, newCredentialLines, lastLines: [...tail] }));
        child.kill('SIGTERM');
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-dev-start-'));
try {
  const t = performance.now();
  const estate = writeEstate(join(dir, 'config'), counts);
  console.log(
    `estate: ${counts.apis} APIs, ${counts.products} products, ${counts.applications} applications (2 credentials each), ${counts.subscriptions} subscriptions in ${estate.files} files (written in ${Math.round(performance.now() - t)} ms)`,
  );
  console.log('start                     ready ms  cpu ms    peak RSS MiB  new-credential blocks printed');
  const rows: Array<[string, Start]> = [];
  for (const label of ['empty state dir', 'restart (same state dir)']) {
    const s = await startDev(join(dir, 'config'), join(dir, 'state'));
    rows.push([label, s]);
    console.log(
      `${label.padEnd(25)} ${String(Math.round(s.readyMs)).padEnd(9)} ${String(s.cpuMs).padEnd(9)} ${String(s.peakRssMiB).padEnd(13)} ${s.newCredentialLines}`,
    );
  }
  const worst = Math.max(...rows.map(([, s]) => s.readyMs));
  console.log(`target: dev-mode start < ${TARGET_MS} ms (${worst < TARGET_MS ? 'met' : 'MISSED'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
