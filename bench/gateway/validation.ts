// What request validation costs: the memory-store gateway taking POST /greet with a
// small JSON body (about 80 bytes) under wrk at peak, with the API's OpenAPI operation
//   off  - not validated: the body streams to the upstream as for any API,
//   on   - validated: the body is read whole, parsed and checked by an ajv validator
//          compiled when the snapshot was applied, then sent upstream,
//   mock - validated, then answered by the gateway from the operation's example.
// Rounds are interleaved; medians of req/s, p99 and CPU µs per request (the gateway
// process's user + system time over the phase / requests), and ratios to `off`.
//
//   node bench/gateway/validation.ts [--duration 6] [--connections 32] [--repeat 3]
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { children, cpuMicros, freePort, startNode } from './bench-processes.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const DURATION = option('duration', 6);
const CONNECTIONS = option('connections', 32);
const REPEAT = Math.max(1, option('repeat', 3));
const KEY = 'bench-key-0123456789abcdef0123456789';
const BODY = JSON.stringify({ name: 'Ada Lovelace', language: 'en', times: 2, tags: ['vip', 'returning'] });
const MODES = ['off', 'on', 'mock'] as const;

if (spawnSync('which', ['wrk']).status !== 0) throw new Error('wrk is needed: apt-get install -y wrk');

interface Result {
  rps: number;
  p99: number;
  cpuUs: number;
  non2xx: number;
}

function wrk(port: number, pid: number, seconds: number): Result {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-validation-'));
  const script = path.join(dir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"
wrk.body = ${JSON.stringify(BODY)}
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "${KEY}"
`,
  );
  const before = cpuMicros([pid]);
  const run = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/hello/1.0.0/greet?lang=en`], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const cpu = cpuMicros([pid]) - before;
  rmSync(dir, { recursive: true, force: true });
  const out = run.stdout;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99raw = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99raw ? Number(p99raw[1]) * (p99raw[2] === 'us' ? 0.001 : p99raw[2] === 's' ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}\n${run.stderr}`);
  return { rps, p99, cpuUs: cpu / requests, non2xx };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const backend = await startNode('backend.ts', ['0']);
const gateways = new Map<string, { child: ChildProcess; port: number }>();
for (const mode of MODES)
  gateways.set(mode, await startNode('validation-target.ts', [String(await freePort()), `http://127.0.0.1:${backend.port}`, KEY, mode]));
for (const g of gateways.values()) wrk(g.port, g.child.pid!, 2); // warm-up: JIT, keep-alive pools

const results = new Map<string, Result[]>(MODES.map((m) => [m, []]));
for (let round = 0; round < REPEAT; round++) {
  for (const mode of MODES) {
    const g = gateways.get(mode)!;
    const r = wrk(g.port, g.child.pid!, DURATION);
    if (r.non2xx) throw new Error(`${mode}: ${r.non2xx} responses were not 2xx: the body should pass validation`);
    results.get(mode)!.push(r);
    process.stderr.write(`round ${round + 1}/${REPEAT}: validation ${mode} ${Math.round(r.rps)} req/s, ${r.cpuUs.toFixed(0)} CPU µs/req\n`);
  }
}

const off = results.get('off')!;
const ratio = (rs: Result[], f: (r: Result) => number) => median(rs.map((r, i) => f(r) / f(off[i]!)));
const rows = MODES.map((mode) => {
  const rs = results.get(mode)!;
  return [
    mode,
    median(rs.map((r) => r.rps)).toFixed(0),
    ratio(rs, (r) => r.rps).toFixed(2),
    median(rs.map((r) => r.p99)).toFixed(2),
    median(rs.map((r) => r.cpuUs)).toFixed(1),
    ratio(rs, (r) => r.cpuUs).toFixed(2),
  ];
});
const header = ['validation', 'req/s', 'x off', 'p99 ms', 'CPU µs/req', 'x off'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(
  `\nwrk -t1 -c${CONNECTIONS} -d${DURATION}s, POST /greet with a ${Buffer.byteLength(BODY)}-byte JSON body and an API key; ${REPEAT} round(s), medians`,
);
console.log(line(header));
for (const r of rows) console.log(line(r));
const extra = median(results.get('on')!.map((r, i) => r.cpuUs - off[i]!.cpuUs));
console.log(`validation adds ${extra.toFixed(1)} CPU µs per request (median of the rounds' differences)`);
for (const c of children) c.kill('SIGTERM');
