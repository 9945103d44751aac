// The chart's Argo CD health checks (charts/tollgate/argocd/health.lua, the
// semantics in charts/tollgate/docs/argocd.md) run by Argo CD's Lua interpreter
// on the objects this test makes the real operator produce: for each of the
// four kinds, one object that is Healthy, one Degraded, one Suspended and two
// Progressing (no status yet, and a status behind the spec's generation), read
// back from the real API server. Plus Argo CD's server-side diff: once the
// operator has written status and the API server its defaults, applying the
// examples again with Argo CD's field manager changes nothing (no perpetual
// OutOfSync).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { sleep, until } from '../support/wait.ts';
import { argocdHealth, type Health } from './support/argocd-health.ts';
import { useInProcess } from './support/in-process.ts';
import type { KubeObject } from './support/kube.ts';

const env = useControlPlane();
const run = useInProcess(env);

const api = (ns: string, name: string, context: string, extra = '') => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: ${name}, namespace: ${ns} }
spec:
  context: ${context}
  version: 1.0.0
  upstream: { urls: ["${run.upstream}"] }
${extra}`;
const product = (ns: string, name: string, apiName: string, extra = '') => `apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: ${name}, namespace: ${ns} }
spec:
  operations: [{ api: ${apiName}, paths: [/] }]
${extra}`;
const application = (ns: string, name: string, extra = '') => `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: ${ns} }
spec:
  owner: { email: ${name}@example.com }
${extra}`;
const subscription = (ns: string, name: string, app: string, productName: string) => `apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: ${name}, namespace: ${ns} }
spec:
  application: ${app}
  product: { name: ${productName} }
`;

/** Each kind in each state the operator can be made to reach, named for the state. */
function estate(ns: string): string[] {
  return [
    api(ns, 'healthy', `/healthy-${ns}`),
    api(ns, 'suspended', `/suspended-${ns}`, '  lifecycle: Created\n'),
    product(ns, 'healthy', 'healthy'),
    product(ns, 'degraded', 'no-such-api'),
    product(ns, 'suspended', 'suspended'),
    product(ns, 'manual', 'healthy', '  approvalType: manual\n'),
    application(ns, 'healthy'),
    application(ns, 'degraded', '  credentials: [{ name: mine, secretRef: { name: no-such-secret } }]\n'),
    application(ns, 'suspended', '  suspended: true\n'),
    subscription(ns, 'healthy', 'healthy', 'healthy'),
    subscription(ns, 'degraded', 'healthy', 'no-such-product'),
    subscription(ns, 'suspended', 'healthy', 'manual'),
  ];
}

const KINDS = ['API', 'APIProduct', 'Application', 'Subscription'] as const;
const RESOURCE: Record<(typeof KINDS)[number], string> = { API: 'apis', APIProduct: 'apiproducts', Application: 'applications', Subscription: 'subscriptions' };

async function getObject(ns: string, kind: (typeof KINDS)[number], name: string): Promise<KubeObject> {
  return JSON.parse(await env.cp.kubectlOk(['get', `${RESOURCE[kind]}.tollgate.dev`, name, '-n', ns, '-o', 'json'])) as KubeObject;
}

async function healthOf(objects: KubeObject[]): Promise<Map<string, Health>> {
  const result = await argocdHealth(objects);
  return new Map(objects.map((o, i) => [`${o.kind}/${o.metadata.name}`, result[i]!]));
}

describe('Argo CD health checks (charts/tollgate/argocd/health.lua)', () => {
  it('read Healthy, Degraded and Suspended off what the operator writes, for each kind', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: estate(ns).join('---\n') });
    // A second API on the same context and version is refused: a Conflict, Degraded. The older
    // one wins, by creationTimestamp (whole seconds), so the second comes a second later.
    await until('API/healthy Healthy', async () =>
      (await healthOf([await getObject(ns, 'API', 'healthy')])).get('API/healthy')?.status === 'Healthy' ? true : undefined,
    );
    await sleep(1100);
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: api(ns, 'degraded', `/healthy-${ns}`) });
    const want = new Map<string, string>();
    for (const kind of KINDS) for (const state of ['healthy', 'degraded', 'suspended']) want.set(`${kind}/${state}`, state[0]!.toUpperCase() + state.slice(1));
    let health = new Map<string, Health>();
    let objects: KubeObject[] = [];
    await until(
      'every object in its state',
      async () => {
        objects = await Promise.all([...want.keys()].map((id) => getObject(ns, id.split('/')[0] as (typeof KINDS)[number], id.split('/')[1]!)));
        health = await healthOf(objects);
        return [...want].every(([id, status]) => health.get(id)?.status === status) ? true : undefined;
      },
      60_000,
      250,
    ).catch(() => undefined);
    expect(Object.fromEntries([...health].map(([id, h]) => [id, h.status])), JSON.stringify(Object.fromEntries(health), null, 1)).toEqual(
      Object.fromEntries(want),
    );
    // The messages say why, from the condition that decided it.
    expect(health.get('API/degraded')!.message).toMatch(/^Accepted \(Conflict\): /);
    expect(health.get('APIProduct/degraded')!.message).toMatch(/^ResolvedRefs \(RefNotFound\): .*API .*no-such-api not found/);
    expect(health.get('Application/degraded')!.message).toMatch(/^ResolvedRefs \(RefNotFound\): .*no-such-secret/);
    expect(health.get('Subscription/degraded')!.message).toMatch(/^ResolvedRefs \(RefNotFound\): .*no-such-product/);
    expect(health.get('API/suspended')!.message).toMatch(/lifecycle Created/);
    expect(health.get('APIProduct/suspended')!.message).toMatch(/waiting for its APIs to be published/);
    expect(health.get('Application/suspended')!.message).toMatch(/suspended: every request is refused/);
    expect(health.get('Subscription/suspended')!.message).toMatch(/^waiting for approval: /);
    expect(health.get('API/healthy')!.message).toMatch(/applied by 1\/1 gateway replicas/);
    // A product served in part is never Programmed=True (docs/conditions.md), whether its API is missing or unpublished.
    const conditionOf = (id: string, type: string) =>
      (objects[[...want.keys()].indexOf(id)]!.status as { conditions?: Array<{ type: string }> } | undefined)?.conditions?.find((c) => c.type === type);
    for (const id of ['APIProduct/degraded', 'APIProduct/suspended'])
      expect(conditionOf(id, 'Programmed')).toMatchObject({ status: 'False', reason: 'Incomplete' });
  }, 90_000);

  it('read Progressing before the operator writes a status, and while the status is behind the spec', async () => {
    const ns = await env.cp.newNamespace('progressing');
    // `kubectl create -o json` prints the object as stored, before any controller saw it.
    const created: KubeObject[] = [];
    for (const doc of [api(ns, 'a', `/p-${ns}`), product(ns, 'p', 'a'), application(ns, 'app'), subscription(ns, 's', 'app', 'p')])
      created.push(JSON.parse(await env.cp.kubectlOk(['create', '-o', 'json', '-f', '-'], { input: doc })) as KubeObject);
    for (const h of (await healthOf(created)).values())
      expect(h).toEqual({ status: 'Progressing', message: 'waiting for the Tollgate operator to write a status' });

    // Once Healthy, a spec change: the patch's response has the new generation and the old status.
    await until('all four Healthy', async () => {
      const objects = await Promise.all(KINDS.map((k) => getObject(ns, k, { API: 'a', APIProduct: 'p', Application: 'app', Subscription: 's' }[k])));
      return [...(await healthOf(objects)).values()].every((h) => h.status === 'Healthy') ? true : undefined;
    });
    const patched: KubeObject[] = [];
    for (const [kind, name] of [
      ['API', 'a'],
      ['APIProduct', 'p'],
      ['Application', 'app'],
      ['Subscription', 's'],
    ] as const) {
      const patch = kind === 'Subscription' ? { spec: { plan: 'Gold' } } : { spec: { displayName: 'renamed' } };
      const out = await env.cp.kubectlOk([
        'patch',
        `${RESOURCE[kind]}.tollgate.dev`,
        name,
        '-n',
        ns,
        '--type=merge',
        '-p',
        JSON.stringify(patch),
        '-o',
        'json',
      ]);
      patched.push(JSON.parse(out) as KubeObject);
    }
    const lagging = patched.filter((o) => o.status?.observedGeneration !== undefined && o.status.observedGeneration < o.metadata.generation);
    expect(lagging.map((o) => o.kind)).toEqual([...KINDS]);
    for (const [id, h] of await healthOf(lagging)) expect(h.status, id).toBe('Progressing');
    for (const h of (await healthOf(lagging)).values()) expect(h.message).toMatch(/waiting for the Tollgate operator to observe generation 2/);
  }, 90_000);

  it('reports no diff for an Argo CD server-side apply of the examples once the operator has written status and defaults', async () => {
    const files = ['namespaces.yaml', 'hello-world'].map((f) => join(repoRoot, 'examples', f));
    const ssa = ['--server-side', '--field-manager=argocd-controller'];
    for (const f of files) await env.cp.kubectlOk(['apply', ...ssa, '-f', f]);
    await until('the examples Healthy', async () => {
      const objects = (
        JSON.parse(
          await env.cp.kubectlOk([
            'get',
            'apis.tollgate.dev,apiproducts.tollgate.dev,applications.tollgate.dev,subscriptions.tollgate.dev',
            '-A',
            '-o',
            'json',
          ]),
        ) as {
          items: KubeObject[];
        }
      ).items.filter((o) => ['platform', 'greetings'].includes(o.metadata.namespace));
      return objects.length === 4 && [...(await healthOf(objects)).values()].every((h) => h.status === 'Healthy') ? true : undefined;
    });
    for (const f of files) {
      const diff = await env.cp.kubectl(['diff', ...ssa, '-f', f]);
      expect({ code: diff.code, out: diff.stdout, err: diff.stderr }, f).toEqual({ code: 0, out: '', err: '' });
    }
  }, 90_000);
});
