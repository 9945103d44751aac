// One side-by-side run: direct backend, bare http-proxy-3, bare undici (the
// gateway's forwarding core), nginx proxy_pass, and
// the gateway (API key + quota + metrics + access log) on the memory store and on
// Redis, both as a harness around createGateway() and as the shipped
// `tollgate gateway --snapshot FILE` process with its access log going to a file.
// Every server runs on 127.0.0.1 in its own process; wrk (C, one thread)
// generates the load; each phase is bounded in time.
//
//   node bench/gateway/run.ts [--duration 8] [--connections 64] [--repeat 1]
//                             [--only memory,redis] [--cpu-prof DIR] [--no-steps]
//                             [--pairs 10] [--slice 3]
//
// Per-step breakdown: after the rounds, the shipped gateway runs once more per store
// with TOLLGATE_STEP_TIMING=1 (see gateway/pipeline/step-timing.ts) under peak load,
// and the µs each request step and each completion sink took is printed. That run is
// not one of the measured ones, so the timing's own cost does not reach the table.
//
// Peak: wrk as fast as it goes. Half load: every target gets the same offered
// load, half of the bare proxy's peak, on one schedule shared by all wrk
// connections (request k is due at start + k / rate), so the offered rate does not
// depend on how fast the target answers and the connections cannot fall into
// lock-step bursts; the p99 at that load is compared.
//
// CPU µs per request: the target's processes' user + system CPU time (from
// /proc/<pid>/stat, over the peak phase) divided by the requests wrk completed.
// It moves less than req/s when other work shares the machine, but a host busy
// with other tenants still moves it: a run whose rounds disagree by more than 20 %
// on a target of the bars says so, and so does a bar target reading below 1 x bare undici.
// For the Redis target the redis-server's share is shown separately.
//
// `--repeat N` runs every target N times (rounds interleaved, so slow drift in the
// machine's load hits all targets alike) and prints medians; ratios are the median
// of each round's ratio to that round's bare proxy.
//
// Paired: after the rounds, the CPU bars are read again with bare undici and each bar
// target up together, loaded in turn in `--slice` second slices, `--pairs` pairs (A B,
// then B A); printed under each bar line as the median of the pairs' ratios and its
// quartiles. CPU there is the scheduler's nanosecond count, not clock ticks.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectPostgres } from '../../gateway/usage/sql-client.ts';
import { startRedisServer } from '../../test/redis/redis-server.ts';
import { startPostgresServer } from '../../test/support/postgres-server.ts';
import { migrate } from '../../usage/migrations.ts';
import { children, cpuMicros, cpuNanos, freePort, startNode, stop } from './bench-processes.ts';
import { benchSnapshot } from './bench-snapshot.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOLLGATE = path.join(here, '../../bin/tollgate');
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const stringOption = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const DURATION = option('duration', 8);
const CONNECTIONS = option('connections', 64);
const REPEAT = Math.max(1, option('repeat', 1));
const ONLY = stringOption('only')?.split(',');
const CPU_PROF = stringOption('cpu-prof');
const STEPS = !args.includes('--no-steps');
const PAIRS = option('pairs', 10);
const SLICE = option('slice', 3);
const KEY = 'bench-key-0123456789abcdef0123456789';
const PATH = '/hello/1.0.0/greet';

for (const tool of ['wrk', 'nginx', 'redis-server']) {
  if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} is needed: apt-get install -y wrk nginx-light redis-server`);
}

const cleanup: Array<() => void | Promise<void>> = [];

/** A process and its descendants. */
function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const tid of readdirNumbers(`/proc/${all[i]}/task`)) {
        const kids = readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) all.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // gone
    }
  }
  return all;
}

function readdirNumbers(dir: string): number[] {
  return readdirSync(dir).map(Number);
}

async function startNginx(upstreamPort: number): Promise<Server> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-nginx-'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'inherit' });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pids: () => processTree(child.pid!),
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface WrkResult {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU µs per request of the target's processes, and of redis-server. */
  cpuUs: number;
  redisCpuUs: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/**
 * `rate` (req/s): paced on one shared schedule, request k due at start + k / rate;
 * a connection whose slot is in the past sends at once. wrk's timers tick in whole
 * milliseconds, so requests leave in groups of about rate/1000.
 */
function wrk(port: number, seconds: number, connections: number, rate?: number): WrkResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-wrk-'));
  const script = path.join(dir, 'script.lua');
  const pacing =
    rate === undefined
      ? ''
      : `local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } tg_timespec; int clock_gettime(int, tg_timespec *); ]]
local ts = ffi.new("tg_timespec")
local function now_ms() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6 end
local interval = ${1000 / rate}
local due = nil
function delay()
  local t = now_ms()
  if due == nil then due = t end
  local wait = due - t
  due = due + interval
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
`;
  writeFileSync(
    script,
    `wrk.headers["x-api-key"] = "${KEY}"
${pacing}
done = function(summary, latency, requests)
  io.write(string.format("ERRORS %d\\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
`,
  );
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}${PATH}`], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  rmSync(dir, { recursive: true, force: true });
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors = Number(/ERRORS (\d+)/.exec(out)?.[1] ?? NaN);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}\n${run.stderr}`);
  return { rps, requests, p50, p99, errors, cpuUs: NaN, redisCpuUs: NaN };
}

/** wrk against a target, with the CPU its processes (and Redis) spent meanwhile. */
function measure(server: Server, seconds: number, connections: number, rate?: number): WrkResult {
  const pids = server.pids();
  const redisPids = redisPid === undefined ? [] : [redisPid];
  const before = cpuMicros(pids);
  const redisBefore = cpuMicros(redisPids);
  const result = wrk(server.port, seconds, connections, rate);
  result.cpuUs = (cpuMicros(pids) - before) / result.requests;
  result.redisCpuUs = (cpuMicros(redisPids) - redisBefore) / result.requests;
  return result;
}

/** CPU µs per request of a target's processes (not Redis's) over one slice at peak. */
function sliceCpuUs(server: Server, seconds: number): number {
  const pids = server.pids();
  const before = cpuNanos(pids);
  const { requests } = wrk(server.port, seconds, CONNECTIONS);
  // A target that stopped answering would read as free (its ratio 0) or infinitely dear.
  if (!requests) throw new Error(`the target on port ${server.port} answered no request in a ${seconds} s slice`);
  return (cpuNanos(pids) - before) / 1000 / requests;
}

interface Server {
  port: number;
  pids(): number[];
  stop(): Promise<void>;
}

interface Target {
  name: string;
  usesRedis?: boolean;
  start(): Promise<Server>;
}

const backend = await startNode('backend.ts', ['0']);
const redis = await startRedisServer();
cleanup.push(() => redis.close());
const redisPid = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number)
  .find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('redis-server');
    } catch {
      return false;
    }
  });

let profileRound = 0;
/** `name` also names the profile written with `--cpu-prof DIR`. */
function nodeTarget(name: string, script: string, extra: string[]): () => Promise<Server> {
  return async () => {
    const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}-${++profileRound}.cpuprofile`] : [];
    const p = await startNode(script, [String(await freePort()), `http://127.0.0.1:${backend.port}`, ...extra], nodeArgs);
    return { port: p.port, pids: () => [p.child.pid!], stop: () => stop(p.child) };
  };
}

/** An HTTP GET of the bench path with the key; the status, or 0 when nothing answers. */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: PATH, headers: { 'x-api-key': KEY }, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

interface ShippedRun extends Server {
  /** The stderr lines the process wrote (the step timing report among them). */
  stderr(): string;
  logBytes(): number;
}

/**
 * `tollgate gateway` as users run it: the snapshot from a file, the JSON log on
 * stdout redirected to a file. Ready once the bench path answers 200.
 */
async function startShipped(name: string, redisUrl: string | undefined, env: Record<string, string> = {}, extra: string[] = []): Promise<ShippedRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-shipped-'));
  const snapshotFile = path.join(dir, 'snapshot.json');
  const logFile = path.join(dir, 'gateway.log');
  writeFileSync(snapshotFile, JSON.stringify(benchSnapshot(`http://127.0.0.1:${backend.port}`, KEY)));
  const port = await freePort();
  const logFd = openSync(logFile, 'a');
  const argv = ['gateway', '--snapshot', snapshotFile, '--proxy-port', String(port), '--admin-port', '0', '--host', '127.0.0.1'];
  if (redisUrl) argv.push('--redis', redisUrl);
  argv.push(...extra);
  const nodeOptions = CPU_PROF ? `--cpu-prof --cpu-prof-dir=${CPU_PROF} --cpu-prof-name=${name}-${++profileRound}.cpuprofile` : '';
  const child = spawn(TOLLGATE, argv, {
    stdio: ['ignore', logFd, 'pipe'],
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${nodeOptions}`.trim(), ...env },
  });
  closeSync(logFd);
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (!c.toString().includes('"stepTiming"')) process.stderr.write(c);
  });
  for (let i = 0; i < 300 && (await probe(port)) !== 200; i++) {
    if (child.exitCode !== null) throw new Error(`tollgate gateway exited with ${child.exitCode}:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if ((await probe(port)) !== 200) throw new Error(`tollgate gateway did not serve the bench path:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
  return {
    port,
    pids: () => processTree(child.pid!),
    stderr: () => stderr,
    logBytes: () => statSync(logFile).size,
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The usage ledger's store, for the shipped gateway with the usage sink on (flushing every 10 s, the default).
const usageStore = await startPostgresServer();
cleanup.push(() => usageStore.close());
const migrator = await connectPostgres(usageStore.url);
await migrate(migrator);
await migrator.close();

const allTargets: Target[] = [
  { name: 'direct backend', start: async () => ({ port: backend.port, pids: () => [backend.child.pid!], stop: async () => {} }) },
  { name: 'bare http-proxy-3', start: nodeTarget('bare', 'bare-proxy.ts', []) },
  { name: 'bare undici', start: nodeTarget('undici', 'bare-undici.ts', []) },
  { name: 'nginx proxy_pass', start: () => startNginx(backend.port) },
  { name: 'gateway, memory store', start: nodeTarget('memory', 'gateway-target.ts', [KEY]) },
  // Issue 18: two header rules, a path rewrite, an IP allow list and backend basic auth on the same API.
  { name: 'gateway, memory, policies', start: nodeTarget('policies', 'gateway-target.ts', [KEY, '--policies']) },
  { name: 'gateway, Redis store', usesRedis: true, start: nodeTarget('redis', 'gateway-target.ts', [KEY, redis.url]) },
  { name: 'tollgate gateway, memory', start: () => startShipped('shipped-memory', undefined) },
  { name: 'tollgate gateway, Redis', usesRedis: true, start: () => startShipped('shipped-redis', redis.url) },
  { name: 'tollgate gateway, memory, usage', start: () => startShipped('shipped-usage', undefined, {}, ['--usage-database', usageStore.url]) },
];
const targets = allTargets.filter((t) => t.name === 'bare http-proxy-3' || !ONLY || ONLY.some((o) => t.name.toLowerCase().includes(o.toLowerCase())));

const peak = new Map<string, WrkResult[]>();
const half = new Map<string, WrkResult[]>();
const halfRates: number[] = [];
for (let round = 0; round < REPEAT; round++) {
  let halfRate = 0;
  for (const target of targets) {
    const server = await target.start();
    wrk(server.port, 2, CONNECTIONS); // warm-up: JIT, keep-alive pools
    const p = measure(server, DURATION, CONNECTIONS);
    if (!target.usesRedis) p.redisCpuUs = NaN;
    peak.set(target.name, [...(peak.get(target.name) ?? []), p]);
    if (target.name === 'bare http-proxy-3') {
      halfRate = p.rps / 2;
      halfRates.push(halfRate);
    }
    if (halfRate > 0) {
      // Enough connections that the schedule never waits for a free one.
      const h = measure(server, DURATION, CONNECTIONS, halfRate);
      if (!target.usesRedis) h.redisCpuUs = NaN;
      half.set(target.name, [...(half.get(target.name) ?? []), h]);
    }
    await server.stop();
    process.stderr.write(`round ${round + 1}/${REPEAT} done: ${target.name} ${Math.round(p.rps)} req/s, ${p.cpuUs.toFixed(0)} CPU µs/req\n`);
  }
}
/**
 * The CPU bars read a second way, less open to a host that other tenants disturb: bare
 * undici and one gateway target up side by side, loaded in turn in short slices (A B, then
 * B A), and each pair's CPU per request compared. Disturbance slower than a slice hits both
 * sides of a pair alike, and a median over the pairs shrugs off the few it does not.
 */
const paired = new Map<string, number[]>();
const CORE = 'bare undici';
/** Issue 13's CPU bars: each target's CPU per request at most this many times CORE's. */
const CPU_BARS = [
  ['gateway, memory store', 1.3],
  ['gateway, Redis store', 1.45],
  ['tollgate gateway, memory', 1.3],
  ['tollgate gateway, Redis', 1.45],
] as const;
const BAR_TARGETS: readonly string[] = CPU_BARS.map(([name]) => name);
if (PAIRS > 0 && targets.some((t) => t.name === CORE)) {
  const core = await targets.find((t) => t.name === CORE)!.start();
  wrk(core.port, 2, CONNECTIONS);
  for (const target of targets.filter((t) => BAR_TARGETS.includes(t.name))) {
    const server = await target.start();
    wrk(server.port, 2, CONNECTIONS);
    const ratios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const [first, second] = i % 2 === 0 ? [core, server] : [server, core];
      const a = sliceCpuUs(first, SLICE);
      const b = sliceCpuUs(second, SLICE);
      ratios.push(first === server ? a / b : b / a);
    }
    await server.stop();
    paired.set(target.name, ratios);
    process.stderr.write(`paired with ${CORE}: ${target.name} ${ratios.map((r) => r.toFixed(2)).join(' ')}\n`);
  }
  await core.stop();
}

/** µs per request of each step and sink, for the shipped gateway on each store. */
const breakdown: Record<string, Record<string, string>> = {};
if (STEPS) {
  for (const [store, url, extra] of [
    ['memory', undefined, []],
    ['Redis', redis.url, []],
    ['memory, usage', undefined, ['--usage-database', usageStore.url]],
  ] as const) {
    if (ONLY && !ONLY.some((o) => store.toLowerCase().includes(o.toLowerCase()))) continue;
    const server = await startShipped(`steps-${store}`, url, { TOLLGATE_STEP_TIMING: '1' }, [...extra]);
    wrk(server.port, 2, CONNECTIONS);
    const p = measure(server, DURATION, CONNECTIONS);
    await server.stop();
    const line = server
      .stderr()
      .split('\n')
      .find((l) => l.includes('"stepTiming"'));
    if (!line) continue;
    const times = (JSON.parse(line) as { stepTiming: Record<string, { us: number; calls: number }> }).stepTiming;
    const column: Record<string, string> = {};
    let policies = 0;
    for (const [step, t] of Object.entries(times)) {
      // Per request: a step that runs for only some requests is averaged over all of them.
      const us = (t.us * t.calls) / Math.max(1, times.canonicalise?.calls ?? t.calls);
      column[step] = us.toFixed(2);
      policies += us;
    }
    column['steps + sinks'] = policies.toFixed(2);
    column['CPU µs/req (timed run)'] = p.cpuUs.toFixed(1);
    breakdown[`tollgate gateway, ${store}`] = column;
  }
}

await stop(backend.child);
for (const c of cleanup) await c();

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const BARE = 'bare http-proxy-3';
/** Each round's value divided by the same round's bare proxy value, then the median. */
const pairedRatio = (runs: Map<string, WrkResult[]>, name: string, pick: (r: WrkResult) => number, base = BARE): number => {
  const mine = runs.get(name) ?? [];
  const bare = runs.get(base) ?? [];
  return median(mine.map((r, i) => pick(r) / pick(bare[i]!)));
};
const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const quartiles = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
  return `${fmt(at(0.25), 3)}-${fmt(at(0.75), 3)}`;
};
const rows = targets.map((t) => {
  const p = peak.get(t.name)!;
  const h = half.get(t.name);
  return {
    target: t.name,
    'req/s': Math.round(median(p.map((r) => r.rps))),
    'vs bare': fmt(
      pairedRatio(peak, t.name, (r) => r.rps),
      2,
    ),
    'p99 ms': fmt(median(p.map((r) => r.p99)), 2),
    'CPU µs/req': fmt(median(p.map((r) => r.cpuUs)), 1),
    'redis µs/req': fmt(median(p.map((r) => r.redisCpuUs)), 1),
    'half req/s': h ? Math.round(median(h.map((r) => r.rps))) : '-',
    'half p50 ms': h ? fmt(median(h.map((r) => r.p50)), 2) : '-',
    'half p99 ms': h ? fmt(median(h.map((r) => r.p99)), 2) : '-',
    'half p99 vs bare': h
      ? fmt(
          pairedRatio(half, t.name, (r) => r.p99),
          2,
        )
      : '-',
    errors: p.reduce((n, r) => n + r.errors, 0) + (h ?? []).reduce((n, r) => n + r.errors, 0),
  };
});
console.log(
  `\nwrk -t1 -c${CONNECTIONS} -d${DURATION}s, GET ${PATH} with an API key; ${REPEAT} round(s), medians; ` +
    `half load = ${Math.round(median(halfRates))} req/s offered (paced)\n`,
);
console.table(rows);
const ratio = (name: string) =>
  fmt(
    pairedRatio(peak, name, (r) => r.rps),
    2,
  );
const halfRatio = (name: string) =>
  fmt(
    pairedRatio(half, name, (r) => r.p99),
    2,
  );
if (targets.some((t) => t.name === 'gateway, memory store') && targets.some((t) => t.name === 'gateway, Redis store')) {
  console.log(
    `targets: memory >= 0.85 x bare: ${ratio('gateway, memory store')}; Redis >= 0.70 x bare: ${ratio('gateway, Redis store')}; ` +
      `half-load p99 <= 2 x bare: memory ${halfRatio('gateway, memory store')}, Redis ${halfRatio('gateway, Redis store')}`,
  );
}
if (peak.has('gateway, memory, policies') && peak.has('gateway, memory store')) {
  // Issue 18: what the representative policy set costs per request, against the same gateway without it, round by round.
  const mine = peak.get('gateway, memory, policies')!;
  const base = peak.get('gateway, memory store')!;
  const extraUs = median(mine.map((r, i) => r.cpuUs - base[i]!.cpuUs));
  console.log(
    `policies (2 header rules, a path rewrite, an IP allow list, backend basic auth): +${fmt(extraUs, 1)} CPU µs/request, ` +
      `${ratio('gateway, memory, policies')} x bare req/s against ${ratio('gateway, memory store')} without`,
  );
}
if (targets.some((t) => t.name === CORE)) {
  // The same comparison against the forwarding core the gateway is built on: what its own work costs.
  const vsCore = (name: string) =>
    fmt(
      pairedRatio(peak, name, (r) => r.rps, CORE),
      2,
    );
  console.log(`against bare undici (the gateway's forwarding core): memory ${vsCore('gateway, memory store')}, Redis ${vsCore('gateway, Redis store')}`);
  // Issue 13's bars: CPU per request against the forwarding core's, and half-load p99 against the bare proxy's.
  for (const [name, bar] of CPU_BARS) {
    if (!peak.has(name)) continue;
    const rounds = pairedRatio(peak, name, (r) => r.cpuUs, CORE);
    console.log(`${name}: CPU/request ${fmt(rounds, 2)} x bare undici's (bar <= ${bar}); half-load p99 ${halfRatio(name)} x bare's (bar <= 2)`);
    const pairs = paired.get(name);
    const pairedMedian = pairs ? median(pairs) : NaN;
    if (pairs) console.log(`  paired, ${pairs.length} pairs of ${SLICE} s slices: ${fmt(pairedMedian, 3)} x bare undici's (quartiles ${quartiles(pairs)})`);
    // The gateway does all that its core does and more: below 1, the two ran under different
    // conditions (bare undici slowed from outside in every round, say), which the spread check cannot see.
    if (rounds < 1 || pairedMedian < 1) console.log(`  cannot be read: less CPU per request than ${CORE}, which it is built on: run it again`);
  }
}
if (peak.has('tollgate gateway, memory') && peak.has('tollgate gateway, memory, usage')) {
  // Issue 16's bar: the usage sink (per-minute aggregation plus its flushes to PostgreSQL) adds at most 10% CPU per request.
  const usageCost = pairedRatio(peak, 'tollgate gateway, memory, usage', (r) => r.cpuUs, 'tollgate gateway, memory');
  console.log(`usage sink: CPU/request with it ${fmt(usageCost, 3)} x without (bar <= 1.10)`);
}
// A machine disturbed from outside (other tenants of the host) moves a target by far more than
// the bars between rounds of one run; then the ratios are not the gateway's, and the run says so.
const SPREAD_LIMIT = 0.2;
if (REPEAT > 1) {
  const disturbed = [CORE, ...BAR_TARGETS]
    .map((name) => {
      const cpu = (peak.get(name) ?? []).map((r) => r.cpuUs).filter(Number.isFinite);
      return { name, cpu, spread: cpu.length > 1 ? (Math.max(...cpu) - Math.min(...cpu)) / median(cpu) : 0 };
    })
    .filter((t) => t.spread > SPREAD_LIMIT);
  for (const t of disturbed) {
    console.log(`rounds disagree: ${t.name} used ${t.cpu.map((x) => fmt(x, 0)).join(', ')} CPU µs/request (spread ${fmt(100 * t.spread, 0)} %)`);
  }
  if (disturbed.length)
    console.log(`the machine was disturbed during this run (spread over ${100 * SPREAD_LIMIT} % between rounds): run it again before reading the bars`);
}
if (Object.keys(breakdown).length) {
  console.log(
    `\nPer request step, µs per request (wall time of each step's synchronous part, TOLLGATE_STEP_TIMING=1, ` +
      `one peak run of ${DURATION}s; "complete:*" are the sinks run when the exchange ends; the rest of the CPU is Node's HTTP and undici):`,
  );
  console.table(breakdown);
}
process.exit(0);
