// Two real operator replicas on one API server, as the operator's ServiceAccount,
// each with its own publisher, and real gateways polling one or the other, as a
// Service would spread them. Only the leader writes statuses, so it must hear of
// every gateway: followers forward what their gateways report to the publisher
// URL the leader advertises on its Lease. Programmed counts a gateway that only
// ever reached the follower, and a gateway on the follower that has not applied
// a change keeps Programmed from turning True early.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../control-plane/readiness.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { startExampleUpstream, type ExampleUpstream } from './support/example-upstream.ts';
import { helloEstate } from './support/hello-estate.ts';
import { conditionOf, consumerKey, tollgateObjects, type KubeObject } from './support/kube.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import { startGatewayProcess, type GatewayProcess, type OperatorProcess } from './support/processes.ts';
import { sleep, until } from '../support/wait.ts';

const env = useControlPlane();
const LEASE_MS = 4_000;
const RETRY_MS = 500;
const TOKEN = 'multi-replica-token';
let access: OperatorAccess;
let backend: ExampleUpstream;
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

const startOperator = async (identity: string, port: number, more: { programmedWaitMs?: number } = {}) => {
  const p = await access.startOperator(identity, {
    publisherPort: port,
    token: TOKEN,
    advertiseUrl: urlOf(port),
    holdOffMs: 50,
    leaseDurationMs: LEASE_MS,
    leaseRetryMs: RETRY_MS,
    // A frozen gateway must stay live for the whole test: it is what holds Programmed back.
    replicaStaleMs: 300_000,
    ...more,
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
  backend = await startExampleUpstream();
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
  for (const p of operators) {
    p.thaw();
    await p.stop();
  }
  backend?.server.close();
});

const objects = (ns: string, upstream: string) => helloEstate(ns, { upstream, context: `/${ns}`, version: 'v1', application: 'app', subscription: 'app' });

const extraApi = (ns: string, upstream: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: extra, namespace: ${ns} }
spec:
  context: /${ns}-extra
  version: v1
  upstream: { urls: ["${upstream}"] }
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

async function leaseHolder(): Promise<string> {
  return (await env.cp.kubectlOk(['get', 'lease', 'tollgate-operator', '-n', access.leaseNamespace, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
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

const all = (status: string, replicas: string) =>
  ['API/hello', 'APIProduct/hello', 'Application/app', 'Subscription/app'].map((k) => `${k} ${status} ${replicas}`);

async function untilProgrammed(ns: string, want: string[], timeoutMs = 30_000): Promise<void> {
  let seen: string[] = [];
  await until(
    `${ns}: ${want.join(', ')}`,
    async () => {
      seen = programmed(await tollgateObjects(env.cp, ns));
      return JSON.stringify(seen) === JSON.stringify(want) ? true : undefined;
    },
    timeoutMs,
    200,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n  last seen: ${seen.join(', ')}`);
  });
}

const serves = (g: GatewayProcess, ns: string, key: string) =>
  until(
    `200 from ${g.child.name}`,
    async () => ((await fetch(`http://127.0.0.1:${g.proxyPort}/${ns}/v1`, { headers: { apikey: key } })).status === 200 ? true : undefined),
    30_000,
    50,
  );

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
    const upstream = backend.url;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns, upstream) });
    const key = await consumerKey(env.cp, ns, 'app.default');
    await serves(gwFollower, ns, key);
    // Written by the leader, which never heard from the gateway itself.
    await untilProgrammed(ns, all('True', '1/1'));

    const atLeader = await reportsAt(a);
    const atFollower = await reportsAt(b);
    expect(atLeader.reports.map((r) => [r.replica, r.via])).toEqual([['gw-follower', 'replica-b']]);
    expect(atLeader.reports[0]!.applied).toBe(atLeader.version);
    // Dated by the follower's receipt (its age, on the leader's clock: the transit
    // makes it a few ms newer), or by an earlier one still on its way.
    expect(Date.parse(atLeader.reports[0]!.at)).toBeLessThanOrEqual(Date.parse(atFollower.reports.find((r) => r.replica === 'gw-follower')!.at) + 50);
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
      const on = rs
        .filter((r) => r.applied === version)
        .map((r) => `${r.replica}${r.via ? ` via ${r.via}` : ''}`)
        .sort();
      return JSON.stringify(on) === JSON.stringify(['gw-follower via replica-b', 'gw-leader', 'gw-stuck via replica-b']) ? true : undefined;
    });

    // Hung: alive, its poll still open at the follower, but applying nothing.
    gwStuck.freeze();
    const upstream = backend.url;
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
    await until(
      'b to hear of gw-leader through a2',
      async () => {
        const r = (await reportsAt(b)).reports.find((x) => x.replica === 'gw-leader');
        return r?.via === 'replica-a2' && r.applied === version ? true : undefined;
      },
      20_000,
      200,
    );
    expect(await a2.metric('tollgate_operator_report_forwards_total', { result: 'sent' })).toBeGreaterThan(0);
  }, 120_000);
});

// A leader that loses its Lease while its process lives on (a long GC pause, a
// partition), simulated with SIGSTOP: it renews nothing, and the other replica
// takes the Lease once it expires. It is frozen in the middle of its work, waiting
// for a gateway to apply a change before writing statuses. Thawed, it must notice
// it no longer leads before acting on any of that: no write of its own from then
// on, and the reports of the gateway polling it go to the new leader, which counts
// that gateway for Programmed.
describe('a leader that loses its Lease while alive', () => {
  it('frozen past its Lease, the leader is replaced; thawed, it writes nothing and forwards to the new leader', async () => {
    // The pair above would contend for the same Lease and write the same statuses.
    for (const g of gateways) {
      g.thaw();
      await g.stop();
    }
    for (const p of operators) await p.stop();

    const ns = env.namespace;
    await access.grant(ns);
    const [pa, pb] = (await freePorts(2)) as [number, number];
    // a waits this long for a hung gateway before writing statuses anyway: long
    // enough that it is surely still waiting when frozen, short enough that the
    // wait is over long before it is thawed (the Lease lasts twice as long).
    const fa = await startOperator('frozen-a', pa, { programmedWaitMs: 2_000 });
    await fa.waitFor('became leader', { timeoutMs: 10_000 });
    const fb = await startOperator('standby-b', pb);
    expect(await fb.waitFor('following', { timeoutMs: 10_000 })).toMatchObject({ leader: 'frozen-a', publisherUrl: urlOf(pa) });
    const gwA = await startGateway('gw-a', pa);
    const gwB = await startGateway('gw-b', pb);
    const upstream = backend.url;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns, upstream) });
    const key = await consumerKey(env.cp, ns, 'app.default');
    await serves(gwA, ns, key);
    await serves(gwB, ns, key);
    await untilProgrammed(ns, all('True', '2/2'));

    // Every write a leader attempts (Secrets, statuses, Events), whatever became of it.
    const writesOf = async (p: OperatorProcess) => ({
      secrets: await p.metric('tollgate_operator_secret_writes_total'),
      statuses: await p.metric('tollgate_operator_status_writes_total'),
      events: (await p.metric('tollgate_operator_events_total', { result: 'sent' })) + (await p.metric('tollgate_operator_events_total', { result: 'failed' })),
    });
    // Settled first: a write already on its way when a is frozen could land after the thaw.
    let aWrites = await writesOf(fa);
    await until(
      'a to settle (no writes for 1 s)',
      async () => {
        await sleep(1_000);
        const now = await writesOf(fa);
        const same = JSON.stringify(now) === JSON.stringify(aWrites);
        aWrites = now;
        return same ? true : undefined;
      },
      20_000,
      0,
    );
    expect(aWrites.secrets).toBe(1);
    expect(aWrites.statuses).toBeGreaterThan(0);
    expect(await fa.metric('tollgate_operator_leader')).toBe(1);
    expect(await writesOf(fb)).toEqual({ secrets: 0, statuses: 0, events: 0 });
    // a leads, so nobody has told b of gw-a.
    expect((await reportsAt(fb)).reports.map((r) => r.replica)).toEqual(['gw-b']);

    // 1. gw-a hangs; a publishes a new API and waits for gw-a to apply it before
    // writing its status; frozen then. (No request to a until the thaw: it would hang.)
    gwA.freeze();
    const routes = fa
      .lines()
      .filter((l) => l.msg === 'published snapshot')
      .at(-1)!.routes as number;
    const changedAt = Date.now();
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: extraApi(ns, upstream) });
    expect(await fa.waitFor('published snapshot', { after: changedAt, timeoutMs: 10_000 })).toMatchObject({ routes: routes + 1 });
    // Still waiting: nothing written yet for the new API.
    expect(await writesOf(fa)).toEqual(aWrites);
    const frozenAt = Date.now();
    fa.freeze();
    const took = await fb.waitFor('became leader', { after: frozenAt, timeoutMs: LEASE_MS * 5 });
    const takeoverMs = took.time - frozenAt;
    // At most the lease duration after a's last renewal, plus b's retry period; the rest is slack.
    expect(takeoverMs).toBeLessThan(LEASE_MS + 2 * RETRY_MS + 5_000);
    await until('the Lease to advertise b', async () => ((await leaseAnnotations())['tollgate.dev/publisher-url'] === urlOf(pb) ? true : undefined), 5_000);
    expect(await leaseAnnotations()).toMatchObject({ 'tollgate.dev/publisher-identity': 'standby-b' });
    expect(await leaseHolder()).toBe('standby-b');
    expect((await reportsAt(fb)).reports.some((r) => r.replica === 'gw-a')).toBe(false);

    // 2. Thawed (gw-a still hung): a's wait for gw-a is long over, but it writes
    // nothing; it finds b on the Lease, stops leading and forwards gw-a's last report.
    const thawedAt = Date.now();
    fa.thaw();
    const { ms: forwardMs } = await until(
      'b to hear of gw-a through a',
      async () => {
        const r = (await reportsAt(fb)).reports.find((x) => x.replica === 'gw-a');
        return r?.via === 'frozen-a' ? true : undefined;
      },
      10_000,
      50,
    );
    const stopped = await fa.waitFor('stopped leading', { after: thawedAt, timeoutMs: 10_000 });
    const stepDownMs = stopped.time - thawedAt;
    expect(await fa.metric('tollgate_operator_leader')).toBe(0);
    expect(await fa.waitFor('following', { after: thawedAt, timeoutMs: 10_000 })).toMatchObject({ leader: 'standby-b', publisherUrl: urlOf(pb) });
    expect(await writesOf(fa)).toEqual(aWrites);
    // gw-a applies what a published before it was frozen, and b hears of it through a.
    gwA.thaw();
    await untilProgrammed(ns, [...all('True', '2/2'), 'API/extra True 2/2'].sort());

    // 3. A change made after the thaw: b writes it, counting both gateways.
    const ns2 = await env.cp.newNamespace();
    await access.grant(ns2);
    const changed2At = Date.now();
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns2, upstream) });
    const key2 = await consumerKey(env.cp, ns2, 'app.default');
    await serves(gwA, ns2, key2);
    await serves(gwB, ns2, key2);
    await untilProgrammed(ns2, all('True', '2/2'));
    const programmedMs = Date.now() - changed2At;
    console.log(
      `multi-replica: lease ${LEASE_MS} ms, retry ${RETRY_MS} ms; leader frozen -> other replica leads ${takeoverMs} ms; ` +
        `thaw -> stopped leading ${stepDownMs} ms; thaw -> its gateway's report at the new leader ${Math.round(forwardMs)} ms; ` +
        `a change after the thaw -> Programmed 2/2 ${programmedMs} ms`,
    );

    // a wrote nothing from the freeze on; b wrote it all, and still leads.
    expect(await writesOf(fa)).toEqual(aWrites);
    expect(await fa.metric('tollgate_operator_leader')).toBe(0);
    expect(await fa.metric('tollgate_operator_report_forwards_total', { result: 'sent' })).toBeGreaterThan(0);
    const bWrites = await writesOf(fb);
    expect(bWrites.secrets).toBe(1);
    expect(bWrites.statuses).toBeGreaterThan(0);
    expect(await fb.metric('tollgate_operator_leader')).toBe(1);
    expect(await leaseHolder()).toBe('standby-b');
    expect((await reportsAt(fb)).reports.map((r) => [r.replica, r.via]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1))).toEqual([
      ['gw-a', 'frozen-a'],
      ['gw-b', undefined],
    ]);
  }, 60_000);
});
