// The Bar: a known mix of requests through two real `tollgate gateway` processes, one
// stopped with SIGTERM and one killed with SIGKILL mid-run, then `tollgate usage`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, application, basicSnapshot, keyHash, send, startUpstream, subscription, TEST_KEY, type Upstream } from '../gateway/fixtures.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { eventually, until } from '../support/wait.ts';
import { tollgate } from './usage-cli.ts';

const entry = fileURLToPath(new URL('../gateway/gateway-process.ts', import.meta.url));
const TINY_KEY = 'tiny-key-0123456789abcdef';
const OTHER_KEY = 'other-key-0123456789abcdef';
const FLUSH_MS = 1_000;

interface Replica {
  child: ChildProcess;
  proxyPort: number;
  adminPort: number;
  exited: Promise<number | null>;
  metric(name: string): Promise<number>;
}

let pg: PostgresServer;
let upstream: Upstream;
let dir: string;
let snapshotFile: string;

beforeAll(async () => {
  [pg, upstream] = await Promise.all([startPostgresServer(), startUpstream()]);
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-usage-bar-'));
  snapshotFile = path.join(dir, 'snapshot.json');
  const snapshot = basicSnapshot(upstream.url, (body) => {
    body.apis = [api({ upstreamUrl: upstream.url, operations: [{ match: { pattern: '/pets', segments: ['pets'], rest: 'none' }, methods: ['GET', 'POST'] }] })];
    body.applications = [
      application(TEST_KEY),
      application(TINY_KEY, { id: 'team-b/tiny', name: 'tiny', credentials: [{ name: 'main', keyHash: keyHash(TINY_KEY), revoked: false }] }),
      application(OTHER_KEY, { id: 'team-b/other', name: 'other', credentials: [{ name: 'main', keyHash: keyHash(OTHER_KEY), revoked: false }] }),
    ];
    body.subscriptions = [
      subscription({ plan: 'gold' }),
      subscription({ id: 'team-b/tiny-gold', application: 'team-b/tiny', plan: 'bronze', quota: { limit: 5, interval: 1, timeUnit: 'day' } }),
    ];
  });
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const migrated = await tollgate(['usage', 'migrate', '--database', pg.url]);
  expect(migrated.stderr).toBe('');
  expect(migrated.stdout).toContain('applied migration(s) 1, 2');
});

afterAll(async () => {
  await upstream?.close();
  await pg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startReplica(name: string, environment: string): Promise<Replica> {
  const args = ['--proxy-port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--snapshot', snapshotFile, '--replica', name, '--environment', environment];
  const child = spawn(process.execPath, [entry, ...args, '--usage-database', pg.url, '--usage-flush-interval', String(FLUSH_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(line));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await eventually('the gateway to listen', async () => {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
    const line = logs.find((l) => l.includes('gateway listening'));
    return line ? (JSON.parse(line) as { proxyPort: number; adminPort: number }) : undefined;
  });
  await until('ready', async () => ((await send(ports.adminPort, '/readyz')).status === 200 ? true : undefined));
  return {
    child,
    ...ports,
    exited,
    metric: async (metric) => {
      const { body } = await send(ports.adminPort, '/metrics');
      const line = body.split('\n').find((l) => l.startsWith(`${metric} `));
      return line ? Number(line.split(' ')[1]) : 0;
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
/** Sends n requests, 4 at a time, and counts the answers by status. */
async function burst(port: number, n: number, path: string, key?: string): Promise<Record<number, number>> {
  const seen: Record<number, number> = {};
  const one = async () => {
    const res = await send(port, path, { agent, headers: key ? { 'x-api-key': key } : {} });
    seen[res.status] = (seen[res.status] ?? 0) + 1;
  };
  for (let i = 0; i < n; i += 4) await Promise.all(Array.from({ length: Math.min(4, n - i) }, one));
  return seen;
}

describe('usage through two gateway replicas, one SIGTERMed and one SIGKILLed', () => {
  it('reports exactly the SIGTERMed replica’s requests and every flushed window of the killed one', { timeout: 90_000 }, async () => {
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const [term, kill] = await Promise.all([startReplica('gw-term', 'blue'), startReplica('gw-kill', 'green')]);

    // The SIGTERMed replica: served, refused (401, 403, 429) and not found.
    expect(await burst(term.proxyPort, 30, '/hello/pets', TEST_KEY)).toEqual({ 200: 30 });
    expect(await burst(term.proxyPort, 8, '/hello/pets', TINY_KEY)).toEqual({ 200: 5, 429: 3 });
    expect(await burst(term.proxyPort, 5, '/hello/pets')).toEqual({ 401: 5 });
    expect(await burst(term.proxyPort, 4, '/hello/pets', OTHER_KEY)).toEqual({ 403: 4 });
    expect(await burst(term.proxyPort, 3, '/hello/nothing', TEST_KEY)).toEqual({ 404: 3 });

    // The killed replica: a first part the store confirms, then a second part killed before its flush.
    expect(await burst(kill.proxyPort, 20, '/hello/pets', TEST_KEY)).toEqual({ 200: 20 });
    expect(await burst(kill.proxyPort, 3, '/hello/pets')).toEqual({ 401: 3 });
    await until(
      'the killed replica to flush its first part',
      async () => ((await kill.metric('tollgate_usage_flushed_requests_total')) === 23 ? true : undefined),
      10_000,
    );
    const flushedBeforeKill = await kill.metric('tollgate_usage_flushed_requests_total');
    expect(await burst(kill.proxyPort, 12, '/hello/pets', TEST_KEY)).toEqual({ 200: 12 });
    kill.child.kill('SIGKILL');
    term.child.kill('SIGTERM');
    expect(await term.exited).toBe(0);
    await kill.exited;

    const to = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000).toISOString();
    const report = await tollgate([
      'usage',
      '--database',
      pg.url,
      '--from',
      from,
      '--to',
      to,
      '--group-by',
      'environment,application,status_class',
      '-o',
      'json',
    ]);
    expect(report.stderr).toBe('');
    type Row = {
      environment: string;
      application: string;
      status_class: string;
      requests: number;
      billable: number;
      refused: number;
      bytes_in: number;
      bytes_out: number;
      latency_ms: number;
    };
    const rows = JSON.parse(report.stdout) as Row[];
    const pick = (env: string) =>
      rows
        .filter((r) => r.environment === env)
        .map((r) => ({
          application: r.application,
          status_class: r.status_class,
          requests: r.requests,
          billable: r.billable,
          refused: r.refused,
          latency_ms: r.latency_ms,
        }));
    expect(pick('blue')).toEqual([
      { application: '', status_class: '4xx', requests: 5 + 3, billable: 0, refused: 5, latency_ms: expect.any(Number) },
      { application: 'team-b/app', status_class: '2xx', requests: 30, billable: 30, refused: 0, latency_ms: expect.any(Number) },
      { application: 'team-b/other', status_class: '4xx', requests: 4, billable: 0, refused: 4, latency_ms: expect.any(Number) },
      { application: 'team-b/tiny', status_class: '2xx', requests: 5, billable: 5, refused: 0, latency_ms: expect.any(Number) },
      { application: 'team-b/tiny', status_class: '4xx', requests: 3, billable: 0, refused: 3, latency_ms: expect.any(Number) },
    ]);
    expect(rows.filter((r) => r.environment === 'blue' && r.status_class === '2xx').every((r) => r.bytes_out > 0)).toBe(true);

    // The killed replica: everything flushed before the kill is there, nothing is counted twice, and
    // the loss is within the documented bound: what completed after its last flush (at most one flush interval).
    const green = rows.filter((r) => r.environment === 'green');
    const greenTotal = green.reduce((n, r) => n + r.requests, 0);
    expect(green.find((r) => r.application === '')).toMatchObject({ requests: 3, refused: 3 });
    expect(greenTotal).toBeGreaterThanOrEqual(flushedBeforeKill);
    expect(greenTotal).toBeLessThanOrEqual(23 + 12);
    expect(23 + 12 - greenTotal).toBeLessThanOrEqual(12);

    // The operation each request matched is in the ledger too.
    const byOperation = await tollgate([
      'usage',
      '--database',
      pg.url,
      '--from',
      from,
      '--to',
      to,
      '--environment',
      'blue',
      '--group-by',
      'operation',
      '-o',
      'csv',
    ]);
    expect(byOperation.stdout.split('\r\n').slice(0, 3)).toEqual([
      'operation,requests,billable,refused,bytes_in,bytes_out,latency_ms',
      expect.stringMatching(/^,3,0,0,/),
      expect.stringMatching(/^GET \/pets,47,35,12,/),
    ]);
  });
});
