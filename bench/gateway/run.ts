// One side-by-side run: direct backend, bare http-proxy-3, nginx proxy_pass, and
// the gateway (API key + quota + metrics + access log) on the memory store and on
// Redis. Every server runs on 127.0.0.1 in its own process; wrk (C, one thread)
// generates the load; each phase is bounded in time.
//
//   node bench/gateway/run.ts [--duration 8] [--connections 64]
//
// Peak: wrk as fast as it goes. Half load: every target gets the same offered
// load, half of the bare proxy's peak (wrk connections pacing themselves with a
// delay), and the p99 at that load is compared.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../../test/redis/redis-server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const DURATION = option('duration', 8);
const CONNECTIONS = option('connections', 64);
const KEY = 'bench-key-0123456789abcdef0123456789';
const PATH = '/hello/1.0.0/greet';

for (const tool of ['wrk', 'nginx', 'redis-server']) {
  if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} is needed: apt-get install -y wrk nginx-light redis-server`);
}

const children: ChildProcess[] = [];
const cleanup: Array<() => void | Promise<void>> = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

function startNode(script: string, argv: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [path.join(here, script), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function startNginx(upstreamPort: number): Promise<{ port: number; stop(): Promise<void> }> {
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
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

function wrk(port: number, seconds: number, connections: number, delayMs?: number): WrkResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-wrk-'));
  const script = path.join(dir, 'script.lua');
  writeFileSync(
    script,
    `wrk.headers["x-api-key"] = "${KEY}"
${delayMs === undefined ? '' : `function delay() return ${delayMs} end`}
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
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors = Number(/ERRORS (\d+)/.exec(out)?.[1] ?? NaN);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}\n${run.stderr}`);
  return { rps, p50, p99, errors };
}

interface Target {
  name: string;
  start(): Promise<{ port: number; stop(): Promise<void> }>;
}

const backend = await startNode('backend.ts', ['0']);
const redis = await startRedisServer();
cleanup.push(() => redis.close());

const targets: Target[] = [
  { name: 'direct backend', start: async () => ({ port: backend.port, stop: async () => {} }) },
  {
    name: 'bare http-proxy-3',
    start: async () => {
      const p = await startNode('bare-proxy.ts', [String(await freePort()), `http://127.0.0.1:${backend.port}`]);
      return { port: p.port, stop: () => stop(p.child) };
    },
  },
  { name: 'nginx proxy_pass', start: () => startNginx(backend.port) },
  {
    name: 'gateway, memory store',
    start: async () => {
      const p = await startNode('gateway-target.ts', [String(await freePort()), `http://127.0.0.1:${backend.port}`, KEY]);
      return { port: p.port, stop: () => stop(p.child) };
    },
  },
  {
    name: 'gateway, Redis store',
    start: async () => {
      const p = await startNode('gateway-target.ts', [String(await freePort()), `http://127.0.0.1:${backend.port}`, KEY, redis.url]);
      return { port: p.port, stop: () => stop(p.child) };
    },
  },
];

const peak = new Map<string, WrkResult>();
const half = new Map<string, WrkResult>();
let halfRate = 0;
// Pacing: each connection waits `delay` ms between requests, so that
// connections * 1000 / (delay + latency) is the offered rate.
const PACE_DELAY_MS = 9;
for (const target of targets) {
  const server = await target.start();
  wrk(server.port, 2, CONNECTIONS); // warm-up: JIT, keep-alive pools
  peak.set(target.name, wrk(server.port, DURATION, CONNECTIONS));
  if (target.name === 'bare http-proxy-3') halfRate = peak.get(target.name)!.rps / 2;
  if (halfRate > 0) {
    const connections = Math.max(1, Math.round((halfRate * (PACE_DELAY_MS + 1)) / 1000));
    half.set(target.name, wrk(server.port, DURATION, connections, PACE_DELAY_MS));
  }
  await server.stop();
  process.stderr.write(`done: ${target.name}\n`);
}
await stop(backend.child);
for (const c of cleanup) await c();

const bare = peak.get('bare http-proxy-3')!;
const bareHalf = half.get('bare http-proxy-3')!;
const rows = targets.map((t) => {
  const p = peak.get(t.name)!;
  const h = half.get(t.name);
  return {
    target: t.name,
    'req/s': Math.round(p.rps),
    'p50 ms': p.p50.toFixed(2),
    'p99 ms': p.p99.toFixed(2),
    'vs bare req/s': (p.rps / bare.rps).toFixed(2),
    'half-load req/s': h ? Math.round(h.rps) : '-',
    'half-load p99 ms': h ? h.p99.toFixed(2) : '-',
    'half p99 vs bare': h ? (h.p99 / bareHalf.p99).toFixed(2) : '-',
    errors: p.errors + (h?.errors ?? 0),
  };
});
console.log(`\nwrk -t1 -c${CONNECTIONS} -d${DURATION}s, GET ${PATH} with an API key; half load = ${Math.round(halfRate)} req/s offered\n`);
console.table(rows);
const memory = peak.get('gateway, memory store')!;
const onRedis = peak.get('gateway, Redis store')!;
console.log(
  `targets: memory >= 0.85 x bare: ${(memory.rps / bare.rps).toFixed(2)}; Redis >= 0.70 x bare: ${(onRedis.rps / bare.rps).toFixed(2)}; ` +
    `half-load p99 <= 2 x bare: memory ${(half.get('gateway, memory store')!.p99 / bareHalf.p99).toFixed(2)}, Redis ${(half.get('gateway, Redis store')!.p99 / bareHalf.p99).toFixed(2)}`,
);
process.exit(0);
