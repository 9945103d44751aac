// Kubernetes Events from the operator, read back with the real kubectl: what a
// user must notice (a credential generated, a subscription waiting for approval
// and approved, a broken reference and its fix), once each: not again on every
// recompile, and not again after the operator restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { conditionOf, tollgateObjects } from './support/kube.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import type { OperatorProcess } from './support/processes.ts';
import { sleep, until } from '../support/wait.ts';

// Long enough that the API applied after its products lands within it, even on a loaded machine.
const SETTLE_MS = 8_000;
const env = useControlPlane();
let access: OperatorAccess;
let operator: OperatorProcess;

const start = (identity: string) =>
  access.startOperator(identity, {
    holdOffMs: 50,
    leaseDurationMs: 3_000,
    leaseRetryMs: 250,
    eventSettleMs: SETTLE_MS,
  });

beforeAll(async () => {
  access = await operatorAccess(env.cp);
  operator = await start('events-1');
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

// As `kubectl get events` shows them: the core/v1 view of events.k8s.io/v1 Events.
type CoreEvent = {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; uid?: string; apiVersion?: string };
  reportingComponent?: string;
  reportingInstance?: string;
};

async function events(ns: string): Promise<CoreEvent[]> {
  return (JSON.parse(await env.cp.kubectlOk(['get', 'events', '-n', ns, '-o', 'json'])) as { items: CoreEvent[] }).items;
}
const about = (list: CoreEvent[], kind: string, name: string, reason: string) =>
  list.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name && e.reason === reason);

async function eventually(ns: string, kind: string, name: string, reason: string): Promise<CoreEvent> {
  const { value } = await until(`${reason} event on ${kind}/${name}`, async () => about(await events(ns), kind, name, reason)[0], 30_000, 200);
  return value;
}

const api = (ns: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: hello, namespace: ${ns} }
spec: { context: /hello-${ns}, version: v1, upstream: { urls: ["http://127.0.0.1:9"] } }
`;
const objects = (ns: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: open, namespace: ${ns} }
spec: { operations: [{ api: hello, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: gated, namespace: ${ns} }
spec: { approvalType: manual, operations: [{ api: hello, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: app, namespace: ${ns} }
spec: { owner: { email: dev@example.com } }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app-open, namespace: ${ns} }
spec: { application: app, product: { name: open } }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app-gated, namespace: ${ns} }
spec: { application: app, product: { name: gated } }
`;
const broken = (ns: string, api: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: broken, namespace: ${ns} }
spec: { operations: [{ api: ${api}, paths: [/] }] }
`;

describe('operator Events', () => {
  it('tells what a user must notice, once, in kubectl get events and kubectl describe', async () => {
    const ns = env.namespace;
    await access.grant(ns);
    // The products before the API they name, as a sync in any order may: the operator
    // sees them unresolved for a moment (and says so in their status), which is no warning.
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    // The operator saw the products bad at most the few objects' creation before this.
    const applied = Date.now();
    await until('APIProduct open stored as RefNotFound', async () => {
      const open = (await tollgateObjects(env.cp, ns)).find((o) => o.kind === 'APIProduct' && o.metadata.name === 'open');
      return open && conditionOf(open, 'ResolvedRefs')?.reason === 'RefNotFound' ? true : undefined;
    });
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: api(ns) });
    // With time left for the rest of the creates before `applied` and for the operator to see
    // the API, before any warning falls due; else this test proves nothing.
    expect(Date.now() - applied).toBeLessThan(SETTLE_MS - 3_000);

    const created = await eventually(ns, 'Application', 'app', 'CredentialCreated');
    expect(created).toMatchObject({
      type: 'Normal',
      message: 'generated credential default into Secret app.default',
      reportingComponent: 'tollgate.dev/operator',
      reportingInstance: 'events-1',
    });
    const uid = (await tollgateObjects(env.cp, ns)).find((o) => o.kind === 'Application')!.metadata.uid;
    expect(created.involvedObject.uid).toBe(uid);
    const pending = await eventually(ns, 'Subscription', 'app-gated', 'PendingApproval');
    expect(pending.type).toBe('Normal');
    expect(pending.message).toContain('needs approval');

    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken(ns, 'nope') });
    const refs = await eventually(ns, 'APIProduct', 'broken', 'RefNotFound');
    expect(refs.type).toBe('Warning');
    expect(refs.message).toContain(`API ${ns}/nope not found`);
    const describe = await env.cp.kubectlOk(['describe', 'apiproduct', 'broken', '-n', ns]);
    expect(describe).toMatch(/Warning\s+RefNotFound/);

    // Recompiles for other reasons repeat nothing.
    for (let i = 0; i < 3; i++) {
      await env.cp.kubectlOk(['label', 'api', 'hello', '-n', ns, `touch=t${i}`, '--overwrite']);
      await sleep(300);
    }

    await env.cp.kubectlOk([
      'patch',
      'subscription',
      'app-gated',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { approval: { decision: 'Approved', by: 'approver@example.com', at: new Date().toISOString() } } }),
    ]);
    const approved = await eventually(ns, 'Subscription', 'app-gated', 'Approved');
    expect(approved).toMatchObject({ type: 'Normal', message: 'approved by approver@example.com' });

    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken(ns, 'hello') });
    const fixed = await eventually(ns, 'APIProduct', 'broken', 'ResolvedRefs');
    expect(fixed.type).toBe('Normal');

    const all = await events(ns);
    expect(about(all, 'APIProduct', 'broken', 'RefNotFound')).toHaveLength(1);
    expect(about(all, 'Application', 'app', 'CredentialCreated')).toHaveLength(1);
    expect(about(all, 'Subscription', 'app-gated', 'PendingApproval')).toHaveLength(1);
    // A fine new object says nothing; nothing in this namespace is a warning but the broken ref.
    expect(all.filter((e) => e.type === 'Warning').map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}`)).toEqual([
      `APIProduct/broken RefNotFound`,
    ]);

    // A restarted operator (a new leader) tells nothing the statuses already say.
    await operator.stop();
    operator = await start('events-2');
    await operator.waitFor('became leader');
    await until('the new leader to have compiled', async () => ((await operator.metric('tollgate_operator_compile_seconds_count')) > 0 ? true : undefined));
    await sleep(1_500);
    expect((await events(ns)).length).toBe(all.length);
    expect(await operator.metric('tollgate_operator_events_total')).toBe(0);

    // ...but does tell what changes under it.
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken(ns, 'gone') });
    const again = await until(
      'a second RefNotFound',
      async () => {
        const list = about(await events(ns), 'APIProduct', 'broken', 'RefNotFound');
        return list.length === 2 ? list : undefined;
      },
      30_000,
      200,
    );
    expect(again.value.some((e) => e.reportingInstance === 'events-2' && e.message.includes(`API ${ns}/gone not found`))).toBe(true);
    const product = (await tollgateObjects(env.cp, ns)).find((o) => o.metadata.name === 'broken')!;
    expect(conditionOf(product, 'ResolvedRefs')?.reason).toBe('RefNotFound');
  }, 120_000);
});
