// This tree's gateway against another checkout's (the baseline), same backend, same
// load, rounds interleaved so that the machine's drift hits both alike: CPU µs per
// request (user + system, from /proc) and req/s, per round and as paired medians.
// Issue 18's bar: the gateway with no policies must not get slower. Also runs this
// tree's gateway with the representative policy set (bench-snapshot.ts).
//
//   git archive <base commit> | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/node_modules
//   node bench/gateway/against-tree.ts --base /tmp/base [--rounds 5] [--duration 5] [--connections 32]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const BASE = opt('base', '');
if (!BASE) throw new Error('give --base DIR: a checkout of the baseline commit with node_modules');
const ROUNDS = Number(opt('rounds', '5'));
const DURATION = Number(opt('duration', '5'));
const CONNECTIONS = Number(opt('connections', '32'));
const KEY = 'bench-key-0123456789abcdef0123456789';
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startNode(script: string, argv: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

function load(port: number, pid: number): { rps: number; cpuUs: number } {
  const before = cpuMicros(pid);
  const run = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '-H', `x-api-key: ${KEY}`, `http://127.0.0.1:${port}/hello/1.0.0/greet`], {
    encoding: 'utf8',
  });
  const requests = Number(/(\d+) requests in/.exec(run.stdout)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(run.stdout)?.[1] ?? 0);
  if (!requests || non2xx) throw new Error(`wrk: ${run.stdout}${run.stderr}`);
  return { rps: requests / DURATION, cpuUs: (cpuMicros(pid) - before) / requests };
}

const backend = await startNode(path.join(here, 'backend.ts'), ['0']);
const upstream = `http://127.0.0.1:${backend.port}`;
const targets = [
  { name: 'baseline, no policies', script: path.join(BASE, 'bench/gateway/gateway-target.ts'), extra: [] as string[] },
  { name: 'this tree, no policies', script: path.join(here, 'gateway-target.ts'), extra: [] },
  { name: 'this tree, policy set', script: path.join(here, 'gateway-target.ts'), extra: ['--policies'] },
];
const results = new Map<string, Array<{ rps: number; cpuUs: number }>>(targets.map((t) => [t.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const t of targets) {
    const g = await startNode(t.script, [String(await freePort()), upstream, KEY, ...t.extra]);
    load(g.port, g.child.pid!); // warm-up, not counted
    const r = load(g.port, g.child.pid!);
    results.get(t.name)!.push(r);
    g.child.kill('SIGTERM');
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${t.name} ${Math.round(r.rps)} req/s, ${r.cpuUs.toFixed(1)} CPU µs/req\n`);
  }
}
backend.child.kill('SIGTERM');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = results.get('baseline, no policies')!;
console.log(`\nwrk -t1 -c${CONNECTIONS} -d${DURATION}s per round (after a warm-up run), ${ROUNDS} rounds interleaved, medians; ratios paired by round:`);
console.table(
  targets.map((t) => {
    const rs = results.get(t.name)!;
    return {
      target: t.name,
      'req/s': Math.round(median(rs.map((r) => r.rps))),
      'CPU µs/req': median(rs.map((r) => r.cpuUs)).toFixed(1),
      'CPU vs baseline': median(rs.map((r, i) => r.cpuUs / base[i]!.cpuUs)).toFixed(3),
      'req/s vs baseline': median(rs.map((r, i) => r.rps / base[i]!.rps)).toFixed(3),
    };
  }),
);
