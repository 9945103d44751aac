// The monitoring config against the real tools: promtool checks the alert rules and runs
// their unit tests, checks both /metrics outputs, and a real Prometheus scraping a real
// gateway that served traffic answers every query of the operations dashboard.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import type { Gateway } from '../../gateway/server/create-gateway.ts';
import { connectPostgres } from '../../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../../gateway/usage/usage-writer.ts';
import { OperatorMetrics } from '../../operator/pipeline/operator-metrics.ts';
import { migrate } from '../../usage/migrations.ts';
import { api, application, basicSnapshot, keyHash, send, startGateway, startUpstream, subscription, TEST_KEY, type Upstream } from '../gateway/fixtures.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { promtool, startPrometheus, type PrometheusServer } from '../support/prometheus-server.ts';
import { eventually, until } from '../support/wait.ts';

const monitoring = fileURLToPath(new URL('../../config/monitoring/', import.meta.url));
const TINY_KEY = 'tiny-key-0123456789abcdef';
const OTHER_KEY = 'other-key-0123456789abcdef';

let pg: PostgresServer;
let upstream: Upstream;
let gateway: Gateway;
let operatorAdmin: http.Server;
let operatorMetrics: OperatorMetrics;
let prometheus: PrometheusServer;
const limits = createLimitStore({});

beforeAll(async () => {
  pg = await startPostgresServer();
  const db = await connectPostgres(pg.url);
  await migrate(db);
  await db.close();
  upstream = await startUpstream((req, res) => {
    res.writeHead(req.url?.includes('fail') ? 502 : 200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  const snapshot = basicSnapshot(upstream.url, (body) => {
    body.apis = [api({ upstreamUrl: upstream.url })];
    body.applications = [
      application(TEST_KEY),
      application(TINY_KEY, { id: 'team-b/tiny', name: 'tiny', credentials: [{ name: 'main', keyHash: keyHash(TINY_KEY), revoked: false }] }),
      application(OTHER_KEY, { id: 'team-b/other', name: 'other', credentials: [{ name: 'main', keyHash: keyHash(OTHER_KEY), revoked: false }] }),
    ];
    body.subscriptions = [
      subscription(),
      subscription({ id: 'team-b/tiny-gold', application: 'team-b/tiny', quota: { limit: 2, interval: 1, timeUnit: 'day' } }),
    ];
  });
  gateway = await startGateway(snapshot, {
    limitStore: limits,
    processMetrics: true,
    usage: { writer: sqlUsageWriter(await connectPostgres(pg.url), 'gw-prom', 'i1'), flushIntervalMs: 500 },
  });
  // The operator's own metrics registry (process metrics, the version it publishes), on a port of its own.
  operatorMetrics = new OperatorMetrics();
  operatorMetrics.trackLeader(
    () => true,
    () => gateway.currentVersion(),
  );
  operatorAdmin = http.createServer((_req, res) => {
    void operatorMetrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': operatorMetrics.registry.contentType }).end(text));
  });
  await new Promise<void>((r) => operatorAdmin.listen(0, '127.0.0.1', r));
  prometheus = await startPrometheus([
    { job: 'tollgate-gateway', targets: [`127.0.0.1:${gateway.adminPort}`] },
    { job: 'tollgate-operator', targets: [`127.0.0.1:${(operatorAdmin.address() as AddressInfo).port}`] },
  ]);
  // Traffic of every kind the dashboard shows: served, upstream errors, refusals, quota rejections.
  const key = { 'x-api-key': TEST_KEY };
  for (let i = 0; i < 20; i++) expect((await send(gateway.proxyPort, '/hello/ok', { headers: key })).status).toBe(200);
  for (let i = 0; i < 5; i++) expect((await send(gateway.proxyPort, '/hello/fail', { headers: key })).status).toBe(502);
  expect((await send(gateway.proxyPort, '/hello/ok')).status).toBe(401);
  expect((await send(gateway.proxyPort, '/hello/ok', { headers: { 'x-api-key': OTHER_KEY } })).status).toBe(403);
  const tiny = [];
  for (let i = 0; i < 4; i++) tiny.push((await send(gateway.proxyPort, '/hello/ok', { headers: { 'x-api-key': TINY_KEY } })).status);
  expect(tiny).toEqual([200, 200, 429, 429]);
  await until('the usage to be written', async () => ((await gateway.usage!.flush()) ? true : undefined));
});

afterAll(async () => {
  await prometheus?.close();
  await new Promise((r) => operatorAdmin?.close(r));
  await gateway?.close();
  await limits.close();
  await upstream?.close();
  await pg?.close();
});

describe('alert rules', () => {
  it('pass promtool check rules and their unit tests, which cover every alert', () => {
    const check = promtool(['check', 'rules', 'tollgate-alerts.yaml'], undefined, monitoring);
    expect(check.output).toContain('SUCCESS');
    expect(check.code).toBe(0);
    const tests = promtool(['test', 'rules', 'tollgate-alerts.test.yaml'], undefined, monitoring);
    expect(tests.output).toContain('SUCCESS');
    expect(tests.code).toBe(0);
    const rules = parse(readFileSync(`${monitoring}tollgate-alerts.yaml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> };
    const cases = parse(readFileSync(`${monitoring}tollgate-alerts.test.yaml`, 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const firing = new Set(cases.tests.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts?.length).map((c) => c.alertname)));
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts.length).toBe(6);
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
  });
});

describe('/metrics', () => {
  it('of the gateway and of the operator pass promtool check metrics', async () => {
    for (const text of [(await send(gateway.adminPort, '/metrics')).body, await operatorMetrics.registry.metrics()]) {
      const checked = promtool(['check', 'metrics'], text);
      expect(checked.output).toBe('');
      expect(checked.code).toBe(0);
    }
    const operator = await operatorMetrics.registry.metrics();
    expect(operator).toContain('process_cpu_seconds_total');
    expect(operator).toContain('nodejs_eventloop_lag_seconds');
    expect(operator).toContain(`tollgate_operator_snapshot_info{version="${gateway.currentVersion()}"} 1`);
  });
});

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr?: string; rawSql?: string }> }>;
}

/** A dashboard query as Grafana would send it with every variable at "All". */
function resolved(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replace(/\$(api|product|job)\b/g, '.*');
}

describe('the operations dashboard', () => {
  const dashboard = JSON.parse(readFileSync(`${monitoring}tollgate-operations.dashboard.json`, 'utf8')) as Dashboard;
  const queries = dashboard.panels.flatMap((p) => p.targets.map((t, i) => ({ name: `${p.title} #${i + 1}`, expr: t.expr! })));

  it('has a query on every panel', () => {
    expect(queries.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    expect(queries.every((q) => typeof q.expr === 'string' && q.expr.length > 0)).toBe(true);
  });

  it.each(queries)('$name parses and returns series from a Prometheus scraping the gateway', { timeout: 60_000 }, async ({ expr }) => {
    const result = await eventually(
      `series for ${expr}`,
      async () => {
        const answer = await prometheus.query(resolved(expr));
        if (answer.status !== 'success') throw new Error(`${answer.status}: ${answer.error}`);
        return answer.data!.result.length > 0 ? answer.data!.result : undefined;
      },
      30_000,
    );
    expect(result.length).toBeGreaterThan(0);
  });
});
