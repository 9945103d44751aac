// Two real operator replicas on one API server, as the operator's ServiceAccount,
// each with its own publisher, and real gateways polling one or the other, as a
// Service would spread them. Only the leader writes statuses, so it must hear of
// every gateway: followers forward what their gateways report to the publisher
// URL the leader advertises on its Lease. Programmed counts a gateway that only
// ever reached the follower, and a gateway on the follower that has not applied
// a change keeps Programmed from turning True early.
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleBackend } from '../../examples/backend/server.ts';
import { freePorts } from '../control-plane/readiness.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { conditionOf, consumerKey, tollgateObjects, type KubeObject } from './support/kube.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import { startGatewayProcess, startOperatorProcess, type GatewayProcess, type OperatorProcess } from './support/processes.ts';
import { sleep, until } from './support/wait.ts';

const env = useControlPlane();
const LEASE_MS = 4_000;
const RETRY_MS = 500;
const TOKEN = 'multi-replica-token';
let access: OperatorAccess;
let backend: Server;
let tokenFile: string;
let ports: { a: number; b: number };
const operators: OperatorProcess[] = [];
const gateways: GatewayProcess[] = [];
// Shared by the tests, in order: they follow one pair of replicas through a handover.
let a: OperatorProcess;
let b: OperatorProcess;
let gwFollower: GatewayProcess;
let gwLeader: GatewayProcess;

const urlOf = (port: number) => `http://127.0.0.1:${port}`;

const startOperator = async (identity: string, port: number) => {
  const p = await startOperatorProcess(env.cp.dir, {
    identity,
    kubeconfig: access.kubeconfig,
    leaseNamespace: access.leaseNamespace,
    publisherPort: port,
    adminPort: 0,
    token: TOKEN,
    advertiseUrl: urlOf(port),
    holdOffMs: 50,
    leaseDurationMs: LEASE_MS,
    leaseRetryMs: RETRY_MS,
    // A frozen gateway must stay live for the whole test: it is what holds Programmed back.
    replicaStaleMs: 300_000,
  });
  operators.push(p);
  return p;
};

const startGateway = async (replica: string, port: number) => {
  const g = await startGatewayProcess(env.cp.dir, { operatorUrl: urlOf(port), operatorTokenFile: tokenFile, replica });
  gateways.push(g);
  return g;
};

beforeAll(async () => {
  access = await operatorAccess(env.cp);
  backend = await startExampleBackend(0);
  const [pa, pb] = (await freePorts(2)) as [number, number];
  ports = { a: pa, b: pb };
  tokenFile = join(env.cp.dir, 'publisher-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});
afterAll(async () => {
  for (const g of gateways) {
    g.thaw();
    await g.stop();
  }
  for (const p of operators) await p.stop();
  backend?.close();
});

const objects = (ns: string, upstream: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: hello, namespace: ${ns} }
spec:
  context: /${ns}
  version: v1
  upstream: { urls: ["${upstream}"] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: hello, namespace: ${ns} }
spec:
  operations: [{ api: hello, paths: [/] }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: app, namespace: ${ns} }
spec:
  owner: { email: dev@example.com }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app, namespace: ${ns} }
spec:
  application: app
  product: { name: hello }
`;

type Report = { replica: string; applied: string | null; via?: string; at: string };
async function reportsAt(p: OperatorProcess): Promise<{ version: string | null; reports: Report[] }> {
  const res = await fetch(`${urlOf(p.publisherPort)}/v1/reports`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET /v1/reports: ${res.status}`);
  return (await res.json()) as { version: string | null; reports: Report[] };
}

async function leaseAnnotations(): Promise<Record<string, string>> {
  const out = await env.cp.kubectlOk(['get', 'lease', 'tollgate-operator', '-n', access.leaseNamespace, '-o', 'jsonpath={.metadata.annotations}']);
  return out ? (JSON.parse(out) as Record<string, string>) : {};
}

/** `Kind/name Programmed=Status replicas` for each object in the namespace, at its current generation. */
function programmed(objs: KubeObject[]): string[] {
  return objs
    .map((o) => {
      const c = conditionOf(o, 'Programmed');
      const current = o.status?.observedGeneration === o.metadata.generation && c?.observedGeneration === o.metadata.generation;
      return `${o.kind}/${o.metadata.name} ${current ? c?.status : 'stale'} ${o.status?.programmedReplicas ?? '-'}`;
    })
    .sort();
}

const all = (status: string, replicas: string) => ['API/hello', 'APIProduct/hello', 'Application/app', 'Subscription/app'].map((k) => `${k} ${status} ${replicas}`);

async function untilProgrammed(ns: string, want: string[], timeoutMs = 30_000): Promise<void> {
  let seen: string[] = [];
  await until(`${ns}: ${want.join(', ')}`, async () => {
    seen = programmed(await tollgateObjects(env.cp, ns));
    return JSON.stringify(seen) === JSON.stringify(want) ? true : undefined;
  }, timeoutMs, 200).catch((e: Error) => {
    throw new Error(`${e.message}\n  last seen: ${seen.join(', ')}`);
  });
}

const serves = (g: GatewayProcess, ns: string, key: string) =>
  until(`200 from ${g.child.name}`, async () => ((await fetch(`http://127.0.0.1:${g.proxyPort}/${ns}/v1`, { headers: { apikey: key } })).status === 200 ? true : undefined), 30_000, 50);

describe('several operator replicas', () => {
  it('a gateway polling only the follower is counted by the leader', async () => {
    const ns = env.namespace;
    await access.grant(ns);
    a = await startOperator('replica-a', ports.a);
    await a.waitFor('became leader');
    b = await startOperator('replica-b', ports.b);
    // b has read the Lease, and with it where a's publisher is.
    const following = await b.waitFor('following');
    expect(following).toMatchObject({ leader: 'replica-a', publisherUrl: urlOf(ports.a) });
    expect(await leaseAnnotations()).toMatchObject({ 'tollgate.dev/publisher-url': urlOf(ports.a), 'tollgate.dev/publisher-identity': 'replica-a' });

    gwFollower = await startGateway('gw-follower', ports.b);
    const upstream = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns, upstream) });
    const key = await consumerKey(env.cp, ns, 'app.default');
    await serves(gwFollower, ns, key);
    // Written by the leader, which never heard from the gateway itself.
    await untilProgrammed(ns, all('True', '1/1'));

    const atLeader = await reportsAt(a);
    const atFollower = await reportsAt(b);
    expect(atLeader.reports.map((r) => [r.replica, r.via])).toEqual([['gw-follower', 'replica-b']]);
    expect(atLeader.reports[0]!.applied).toBe(atLeader.version);
    // The leader keeps the follower's receipt time (or a later one: polls keep coming).
    expect(Date.parse(atLeader.reports[0]!.at)).toBeLessThanOrEqual(Date.parse(atFollower.reports.find((r) => r.replica === 'gw-follower')!.at));
    expect(atFollower.reports.find((r) => r.replica === 'gw-follower')?.via).toBeUndefined();
    expect(await b.metric('tollgate_operator_report_forwards_total', { result: 'sent' })).toBeGreaterThan(0);
    expect(await b.metric('tollgate_operator_report_forwards_total', { result: 'failed' })).toBe(0);
    expect(await a.metric('tollgate_operator_report_forwards_total', { result: 'sent' })).toBe(0);
    expect(await b.metric('tollgate_operator_status_writes_total', { result: 'written' })).toBe(0);
  }, 120_000);

  it('a gateway on the follower that has not applied a change keeps Programmed from turning True early', async () => {
    const ns = env.namespace;
    await access.grant(ns);
    gwLeader = await startGateway('gw-leader', ports.a);
    const gwStuck = await startGateway('gw-stuck', ports.b);
    const version = (await reportsAt(a)).version;
    await until('three gateways on the current version at the leader', async () => {
      const rs = (await reportsAt(a)).reports;
      const on = rs.filter((r) => r.applied === version).map((r) => `${r.replica}${r.via ? ` via ${r.via}` : ''}`).sort();
      return JSON.stringify(on) === JSON.stringify(['gw-follower via replica-b', 'gw-leader', 'gw-stuck via replica-b']) ? true : undefined;
    });

    // Hung: alive, its poll still open at the follower, but applying nothing.
    gwStuck.freeze();
    const upstream = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns, upstream) });
    const key = await consumerKey(env.cp, ns, 'app.default');
    await serves(gwLeader, ns, key);
    await serves(gwFollower, ns, key);
    // The two running gateways serve the objects; the leader knows the third does not.
    // Without forwarding the leader sees gw-leader alone and says True 1/1 here.
    await untilProgrammed(ns, all('Unknown', '2/3'));
    await sleep(3_000);
    expect(programmed(await tollgateObjects(env.cp, ns))).toEqual(all('Unknown', '2/3'));

    gwStuck.thaw();
    await serves(gwStuck, ns, key);
    await untilProgrammed(ns, all('True', '3/3'));
  }, 120_000);

  it('after a handover the new leader advertises itself, and the old one forwards to it', async () => {
    const stoppedAt = Date.now();
    await a.stop();
    await b.waitFor('became leader', { after: stoppedAt, timeoutMs: LEASE_MS * 5 });
    await until('the Lease to advertise b', async () => ((await leaseAnnotations())['tollgate.dev/publisher-url'] === urlOf(ports.b) ? true : undefined));
    expect((await leaseAnnotations())['tollgate.dev/publisher-identity']).toBe('replica-b');

    // a comes back on its port as a follower; gw-leader finds it there again.
    const a2 = await startOperator('replica-a2', ports.a);
    expect(await a2.waitFor('following')).toMatchObject({ leader: 'replica-b', publisherUrl: urlOf(ports.b) });
    const version = (await reportsAt(b)).version;
    // Well within the gateway's 30 s poll: a report a2 took before it had read the
    // Lease is sent on as soon as it knows the leader, not at the gateway's next poll.
    await until('b to hear of gw-leader through a2', async () => {
      const r = (await reportsAt(b)).reports.find((x) => x.replica === 'gw-leader');
      return r?.via === 'replica-a2' && r.applied === version ? true : undefined;
    }, 20_000, 200);
    expect(await a2.metric('tollgate_operator_report_forwards_total', { result: 'sent' })).toBeGreaterThan(0);
  }, 120_000);
});
