// bench/portal: the developer portal's catalogue on 2,000 products, against a
// baseline of 20, side by side. A real `tollgate dev` process per estate; this
// process measures over loopback: time to first byte (response headers), total
// time and bytes of the catalogue page (HTML plus its one stylesheet: the
// catalogue loads no script), a search, a product page, and the JSON catalogue.
// Sequential requests, a bounded count each; stops by itself.
//   node bench/portal/run.ts        (BENCH_PRODUCTS=2000 BENCH_REQUESTS=60)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 2_000);
const BASELINE = 20;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const tollgate = new URL('../../bin/tollgate', import.meta.url).pathname;

/** One API per 10 products; products with two plans, a Markdown description and tags. */
function estate(products: number): string {
  const docs: string[] = [];
  for (let a = 0; a < Math.ceil(products / 10); a++) {
    docs.push(`apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: api-${a}, namespace: platform }
spec: { displayName: 'API ${a}', context: /api-${a}, version: v1, upstream: { urls: ['http://127.0.0.1:9'] }, operations: [{ path: /items, methods: [GET] }, { path: '/items/{id}', methods: [GET, PUT] }] }`);
  }
  for (let p = 0; p < products; p++) {
    docs.push(`apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: product-${p}, namespace: platform }
spec:
  displayName: 'Product ${p}'
  description: 'The **${p}th** product: items, orders and [docs](https://example.com/${p}).'
  access: ${p % 10 === 0 ? 'private' : 'public'}
  attributes: [{ name: category, value: 'cat-${p % 12}' }, { name: tags, value: 'tag-${p % 7}, tag-${p % 5}' }]
  operations: [{ api: api-${Math.floor(p / 10)}, paths: [/items, /items/*] }]
  plans:
    - { name: Bronze, quota: { limit: 1000, timeUnit: day } }
    - { name: Gold, quota: { limit: 100000, timeUnit: month }, rateLimit: { requests: 50, per: second, burst: 100 } }`);
  }
  return docs.join('\n---\n') + '\n';
}

async function startDev(products: number): Promise<{ child: ChildProcess; portal: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-portal-'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'estate.yaml'), estate(products));
  const child = spawn(
    tollgate,
    [
      'dev',
      join(dir, 'config'),
      '--port',
      '0',
      '--admin-port',
      '0',
      '--portal-port',
      '0',
      '--no-usage',
      '--state-dir',
      join(dir, 'state'),
      '--max-file-bytes',
      '16MiB',
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const portal = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tollgate dev did not print its portal within 120 s:\n${out}`)), 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /portal on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`tollgate dev exited ${code}:\n${out}`)));
  });
  return { child, portal, dir };
}

interface Sample {
  ttfbMs: number;
  totalMs: number;
  bytes: number;
}

function get(url: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(url, { timeout: 30_000 }, (res) => {
      const ttfbMs = performance.now() - start;
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        res.statusCode === 200 ? resolve({ ttfbMs, totalMs: performance.now() - start, bytes }) : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(base: string, path: string): Promise<{ p50: number; p95: number; total50: number; bytes: number }> {
  await get(base + path); // warm: the first request builds the portal view
  const samples: Sample[] = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await get(base + path));
  return {
    p50: pct(
      samples.map((s) => s.ttfbMs),
      50,
    ),
    p95: pct(
      samples.map((s) => s.ttfbMs),
      95,
    ),
    total50: pct(
      samples.map((s) => s.totalMs),
      50,
    ),
    bytes: samples[0]!.bytes,
  };
}

const PATHS: Array<[string, string]> = [
  ['catalogue page 1', '/'],
  ['search "product 1234"', '/?q=product%201234'],
  ['catalogue page 20', '/?page=20'],
  ['product page', '/products/platform/product-7'],
  ['JSON catalogue (100)', '/api/products'],
];

async function run(products: number) {
  const dev = await startDev(products);
  try {
    const css = (await get(`${dev.portal}/static/portal.css`)).bytes;
    const rows = new Map<string, Awaited<ReturnType<typeof measure>>>();
    for (const [name, path] of PATHS) rows.set(name, await measure(dev.portal, path));
    return { css, rows };
  } finally {
    dev.child.kill('SIGTERM');
    await new Promise((r) => dev.child.once('exit', r));
    rmSync(dev.dir, { recursive: true, force: true });
  }
}

const baseline = await run(BASELINE);
const large = await run(PRODUCTS);
const f = (n: number) => n.toFixed(1).padStart(7);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
console.log(
  `portal: ${REQUESTS} sequential requests each, ${PRODUCTS} products vs a baseline of ${BASELINE}; TTFB and total in ms; weight = HTML + ${kb(large.css).trim()} CSS, no script`,
);
console.log(
  `${'page'.padEnd(24)} ${'TTFB p50'.padStart(9)} ${'p95'.padStart(7)} ${'total'.padStart(7)} ${'weight'.padStart(11)} | ${'base p50'.padStart(9)} ${'weight'.padStart(11)} | TTFB x`,
);
for (const [name] of PATHS) {
  const l = large.rows.get(name)!;
  const b = baseline.rows.get(name)!;
  const weight = (n: number) => (name.startsWith('JSON') ? n : n + large.css);
  console.log(
    `${name.padEnd(24)} ${f(l.p50).padStart(9)} ${f(l.p95)} ${f(l.total50)} ${kb(weight(l.bytes))} | ${f(b.p50).padStart(9)} ${kb(weight(b.bytes))} | ${(l.p50 / b.p50).toFixed(2)}`,
  );
}
