// The chart's and config/components/usage's billing CronJob for real: `tollgate usage
// invoice --month=previous --save --resources-from-cluster`, its exact command line
// from the chart, as the ServiceAccount tollgate-usage-billing (list on APIProducts and
// Applications, nothing else) against the real kube-apiserver, on a real PostgreSQL
// ledger. The pricing and owners it reads from the cluster give the same invoice as the
// same YAML read from files; an identity without the role gets one line naming the fix.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthArg } from '../../cli/commands/usage.ts';
import { connectPostgres, type SqlClient } from '../../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../../gateway/usage/usage-writer.ts';
import { migrate } from '../../usage/migrations.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { tollgate } from '../usage/usage-cli.ts';
import { usageRow } from '../usage/usage-rows.ts';
import { chartDir, helmIn, yamlObjects } from './support/helm.ts';
import type { Obj, PodSpec } from './support/manifests.ts';

const env = useControlPlane();
const estate = fileURLToPath(new URL('../usage/testdata/invoice/estate.yaml', import.meta.url));
const NS = 'tollgate-system';
let pg: PostgresServer;
let db: SqlClient;

/** A kubeconfig holding only a ServiceAccount's token. */
async function kubeconfigOf(serviceAccount: string): Promise<string> {
  const token = (await env.cp.kubectlOk(['create', 'token', serviceAccount, '-n', NS, '--duration=1h'])).trim();
  const admin = JSON.parse(await readFile(env.cp.kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }> };
  const path = join(env.cp.dir, `${serviceAccount}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'test', user: serviceAccount } }],
    'current-context': 'sa',
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  pg = await startPostgresServer();
  db = await connectPostgres(pg.url);
  await migrate(db);
  const web = { application: 'shop/web', product: 'shop/pets-access' };
  const batch = { application: 'shop/batch', product: 'shop/pets-access' };
  // Calls in this month and the last two, so `previous` always has some.
  const now = new Date();
  const day = (monthsBack: number, d: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, d, 10)).toISOString();
  await sqlUsageWriter(db, 'gw-1', 'a').write(
    [0, 1, 2].flatMap((back) => [
      usageRow(day(back, 2), { ...web, plan: 'bronze', requests: 1200 + back }),
      usageRow(day(back, 12), { ...web, plan: 'gold', requests: 6000 }),
      usageRow(day(back, 15), { ...batch, plan: 'gold', requests: 12000 }),
    ]),
  );
  await env.cp.kubectlOk(['create', 'namespace', 'shop']);
  await env.cp.kubectlOk(['create', 'namespace', NS]);
  await env.cp.kubectlOk(['apply', '-f', estate]);
  // The billing identity, as the chart renders it with usage on (the CronJob's pod spec is read below).
  await env.cp.kubectlOk(['apply', '-f', '-'], { input: await chartUsage() });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await pg?.close();
});

async function chartUsage(): Promise<string> {
  const helm = helmIn(join(env.cp.dir, 'helm'));
  return helm.ok([
    'template',
    'tollgate',
    chartDir,
    '--namespace',
    NS,
    '--show-only',
    'templates/usage.yaml',
    '--set',
    'usage.postgres.existingSecret=tollgate-usage',
  ]);
}

describe('tollgate usage invoice from the cluster (the billing CronJob)', () => {
  it('runs the CronJob command as tollgate-usage-billing and stores the invoice the same YAML gives from files', async () => {
    const cron = yamlObjects(await chartUsage()).find((o) => o.kind === 'CronJob' && o.metadata.name === 'tollgate-usage-invoice') as Obj & {
      spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } };
    };
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('tollgate-usage-billing');
    const kubeconfig = await kubeconfigOf('tollgate-usage-billing');
    // In the pod the client reads the in-cluster token; here KUBECONFIG carries the same ServiceAccount's.
    const run = await tollgate(pod.containers[0]!.args!, { TOLLGATE_USAGE_DATABASE: pg.url, KUBECONFIG: kubeconfig });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const month = monthArg('previous', Date.now());
    const fromFiles = await tollgate(['usage', 'invoice', '--month', month, '--resources', estate, '--database', pg.url, '-o', 'json']);
    const expected = JSON.parse(fromFiles.stdout) as {
      owners: Array<{ owner: string; lines: Array<{ application: string; plan: string; totalCents: number; feeCents: number }> }>;
    };
    const lines = expected.owners.flatMap((o) => o.lines.map((l) => [o.owner, l.application, l.plan, l.totalCents]));
    expect(lines.length, 'both applications, both plans').toBe(3);
    expect(
      expected.owners.every((o) => o.lines.every((l) => l.feeCents > 0)),
      'the pricing was read',
    ).toBe(true);
    const stored = await db.query<{ owner: string; application: string; plan: string; total_cents: number }>(
      'SELECT owner, application, plan, total_cents::int AS total_cents FROM usage_invoice_line WHERE month = $1 ORDER BY owner, application, plan',
      [month],
    );
    expect(stored.rows.map((r) => [r.owner, r.application, r.plan, r.total_cents])).toEqual(lines);

    // And printed, the cluster's catalog is the files' catalog.
    const printed = await tollgate([
      'usage',
      'invoice',
      '--month',
      month,
      '--resources-from-cluster',
      '--kubeconfig',
      kubeconfig,
      '--database',
      pg.url,
      '-o',
      'json',
    ]);
    expect(printed.stdout).toBe(fromFiles.stdout);
  });

  it('says in one line that an identity may not list the kinds, with the status', async () => {
    await env.cp.kubectlOk(['create', 'serviceaccount', 'nobody', '-n', NS]);
    const out = await tollgate([
      'usage',
      'invoice',
      '--month',
      '2026-11',
      '--resources-from-cluster',
      '--kubeconfig',
      await kubeconfigOf('nobody'),
      '--database',
      pg.url,
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^error \[usage-cluster-unreadable\]: cannot list APIProducts and Applications in the cluster \(HTTP 403: .*system:serviceaccount:tollgate-system:nobody.*\)\n$/,
    );
    const both = await tollgate(['usage', 'invoice', '--month', '2026-11', '--resources', estate, '--resources-from-cluster', '--database', pg.url]);
    expect([both.code, both.stderr]).toEqual([1, 'error: give --resources or --resources-from-cluster, not both\n']);
  });
});
