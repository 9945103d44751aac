// Two real operator processes on one API server, as the operator's ServiceAccount:
// only the Lease holder writes Secrets, statuses and Events; SIGKILL it and the
// other takes over once the Lease expires; stop one cleanly and the Lease is
// handed over at once. The failover times are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { conditionOf, consumerKey, tollgateObjects } from './support/kube.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import type { OperatorProcess } from './support/processes.ts';
import { until } from '../support/wait.ts';

const env = useControlPlane();
const LEASE_MS = 4_000;
const RETRY_MS = 500;
let access: OperatorAccess;
const running: OperatorProcess[] = [];

const start = async (identity: string) => {
  const p = await access.startOperator(identity, {
    holdOffMs: 50,
    leaseDurationMs: LEASE_MS,
    leaseRetryMs: RETRY_MS,
  });
  running.push(p);
  return p;
};

beforeAll(async () => {
  access = await operatorAccess(env.cp);
});
afterAll(async () => {
  for (const p of running) await p.stop();
});

const app = (ns: string, name: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: ${ns} }
spec:
  owner: { email: dev@example.com }
`;

async function accepted(ns: string, name: string): Promise<true | undefined> {
  const o = (await tollgateObjects(env.cp, ns)).find((x) => x.kind === 'Application' && x.metadata.name === name);
  return o && conditionOf(o, 'Accepted')?.status === 'True' ? true : undefined;
}

async function lease(): Promise<{ holderIdentity?: string; leaseTransitions?: number }> {
  return JSON.parse(await env.cp.kubectlOk(['get', 'lease', 'tollgate-operator', '-n', access.leaseNamespace, '-o', 'jsonpath={.spec}']));
}

const writes = async (p: OperatorProcess) => ({
  secrets: await p.metric('tollgate_operator_secret_writes_total'),
  statuses: await p.metric('tollgate_operator_status_writes_total', { result: 'written' }),
  events: await p.metric('tollgate_operator_events_total', { result: 'sent' }),
});

describe('leader election', () => {
  it('only the leader writes; SIGKILL the leader and the other takes over', async () => {
    const ns = env.namespace;
    await access.grant(ns);
    const a = await start('operator-a');
    await a.waitFor('became leader');
    const b = await start('operator-b');
    // b has read the Lease at least once, held by a.
    await until('b to see the lease held', async () =>
      (await b.metric('tollgate_operator_leader')) === 0 && b.lines().some((l) => l.msg === 'published snapshot') ? true : undefined,
    );

    await env.cp.kubectlOk(['apply', '-f', '-'], { input: app(ns, 'first') });
    await consumerKey(env.cp, ns, 'first.default');
    await until('first Accepted', () => accepted(ns, 'first'));
    // The follower compiled the same objects (it serves snapshots too) but wrote nothing.
    await until('b to have compiled first', async () => ((await b.metric('tollgate_operator_compile_seconds_count')) > 1 ? true : undefined));
    const before = { a: await writes(a), b: await writes(b) };
    expect(before.a.secrets).toBe(1);
    expect(before.a.statuses).toBeGreaterThan(0);
    expect(before.a.events).toBeGreaterThan(0); // CredentialCreated
    expect(before.b).toEqual({ secrets: 0, statuses: 0, events: 0 });
    expect(await b.metric('tollgate_operator_leader')).toBe(0);
    expect((await lease()).holderIdentity).toBe('operator-a');

    const killedAt = Date.now();
    await a.kill();
    // A change made while nobody leads: the new leader must pick it up.
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: app(ns, 'second') });
    const took = await b.waitFor('became leader', { after: killedAt, timeoutMs: LEASE_MS * 5 });
    const failoverMs = took.time - killedAt;
    await until('second Accepted (written by b)', () => accepted(ns, 'second'), 30_000, 50);
    const statusMs = Date.now() - killedAt;
    await consumerKey(env.cp, ns, 'second.default');
    console.log(
      `leader election: lease ${LEASE_MS} ms, retry ${RETRY_MS} ms; SIGKILL -> new leader ${failoverMs} ms; ` +
        `SIGKILL -> first status write by the new leader ${statusMs} ms (polled)`,
    );
    // The lease outlives its holder by at most its duration, and b looks every retry
    // period; the rest is slack for a busy 2-core machine.
    expect(failoverMs).toBeLessThan(LEASE_MS + 2 * RETRY_MS + 5_000);
    expect(statusMs).toBeLessThan(LEASE_MS + 2 * RETRY_MS + 10_000);
    const after = await writes(b);
    expect(after.secrets).toBe(1);
    expect(after.statuses).toBeGreaterThan(0);
    const l = await lease();
    expect(l.holderIdentity).toBe('operator-b');
    expect(l.leaseTransitions).toBeGreaterThanOrEqual(1);
    // Nothing was lost or made twice on the way.
    const secrets = JSON.parse(await env.cp.kubectlOk(['get', 'secrets', '-n', ns, '-l', 'tollgate.dev/credential', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string } }>;
    };
    expect(secrets.items.map((s) => s.metadata.name).sort()).toEqual(['first.default', 'second.default']);
  }, 120_000);

  it('a leader that stops cleanly hands the Lease over at once', async () => {
    const ns = env.namespace;
    await access.grant(ns);
    const leader = running.find((p) => !p.child.hasExited())!;
    expect(await leader.metric('tollgate_operator_leader')).toBe(1);
    const c = await start('operator-c');
    await until('c to compile', async () => (c.lines().some((l) => l.msg === 'published snapshot') ? true : undefined));
    expect(await c.metric('tollgate_operator_leader')).toBe(0);
    const stoppedAt = Date.now();
    await leader.stop();
    const took = await c.waitFor('became leader', { after: stoppedAt, timeoutMs: LEASE_MS * 5 });
    const handoverMs = took.time - stoppedAt;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: app(ns, 'third') });
    await until('third Accepted (written by c)', () => accepted(ns, 'third'), 30_000, 50);
    console.log(`leader election: SIGTERM -> new leader ${handoverMs} ms (the Lease is released on a clean stop)`);
    // Released, so c takes it on its next try rather than after the lease duration.
    expect(handoverMs).toBeLessThan(LEASE_MS);
    expect((await lease()).holderIdentity).toBe('operator-c');
  }, 120_000);
});
