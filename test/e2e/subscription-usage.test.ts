// Subscription status.usage in a cluster: requests through a real gateway are written to
// the usage ledger on a real PostgreSQL server, and the operator (with --usage-database)
// puts each subscription's calls in its quota window on the Subscription in a real
// kube-apiserver, again on its own timer when only the calls changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../../gateway/usage/usage-writer.ts';
import { migrate } from '../../usage/migrations.ts';
import { openUsageDatabase } from '../../usage/open-database.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { until } from '../support/wait.ts';
import { startExampleUpstream, type ExampleUpstream } from './support/example-upstream.ts';
import { helloEstate } from './support/hello-estate.ts';
import { e2eLogger, startInProcess, type InProcess } from './support/in-process.ts';
import { consumerKey } from './support/kube.ts';

const env = useControlPlane();
let backend: ExampleUpstream;
let pg: PostgresServer;
let ledger: SqlClient;
let harness: InProcess | undefined;

beforeAll(async () => {
  backend = await startExampleUpstream();
  pg = await startPostgresServer();
  ledger = await openUsageDatabase(pg.url);
  await migrate(ledger);
  harness = await startInProcess({
    kubeconfig: env.cp.kubeconfigPath,
    leaseNamespace: 'default',
    logger: e2eLogger(),
    operator: { usageDatabase: pg.url, usageIntervalMs: 300 },
    gateway: { usage: { writer: sqlUsageWriter(ledger, 'gw-0', 'i1'), flushIntervalMs: 100 } },
  });
}, 120_000);

afterAll(async () => {
  // The gateway's usage writer closes the ledger client with the gateway.
  if (harness) await harness.close();
  else await ledger?.close();
  await pg?.close();
  backend?.server.close();
});

const objects = (ns: string) => helloEstate(ns, { upstream: backend.url, quota: { limit: 1000, timeUnit: 'day' } });

interface Usage {
  window: { start: string; end: string };
  calls: number;
  quota?: number;
  observedAt: string;
}

async function usageOf(ns: string): Promise<Usage | undefined> {
  const out = await env.cp.kubectlOk(['get', 'subscription/greetings-hello', '-n', ns, '-o', 'jsonpath={.status.usage}']);
  return out ? (JSON.parse(out) as Usage) : undefined;
}

describe('Subscription status.usage from the usage ledger', () => {
  it('shows the calls sent through the gateway against the quota, and follows new calls without an edit', { timeout: 240_000 }, async () => {
    // The quota window is the UTC day: a run that UTC midnight would cut in two waits for it first.
    const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (toMidnight < 100_000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 1_000));
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await consumerKey(env.cp, ns, 'greetings.default');
    const call = () => fetch(`http://127.0.0.1:${harness!.gateway.proxyPort}/hello-${ns}/1.0.0`, { headers: { apikey: key } });
    await until('200 through the gateway', async () => ((await call()).status === 200 ? true : undefined), 30_000);
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    // Refused before the quota: not a call.
    expect((await fetch(`http://127.0.0.1:${harness!.gateway.proxyPort}/hello-${ns}/1.0.0`, { headers: { apikey: 'wrong' } })).status).toBe(401);

    const day = new Date().toISOString().slice(0, 10);
    const { value: first } = await until('4 calls in status.usage', async () => ((await usageOf(ns))?.calls === 4 ? usageOf(ns) : undefined), 30_000);
    expect(first).toMatchObject({ window: { start: `${day}T00:00:00.000Z` }, calls: 4, quota: 1000 });
    expect(Date.parse(first.window.end) - Date.parse(first.window.start)).toBe(86_400_000);

    for (let i = 0; i < 2; i++) expect((await call()).status).toBe(200);
    const { value: second } = await until('6 calls in status.usage', async () => ((await usageOf(ns))?.calls === 6 ? usageOf(ns) : undefined), 30_000);
    expect(Date.parse(second.observedAt)).toBeGreaterThan(Date.parse(first.observedAt));
  });
});
