// The operator with exactly the rights in config/rbac, not as admin: a real
// ServiceAccount token against the real kube-apiserver. Proves the rights
// suffice (Secret, statuses, 200 through a gateway) and that they stop there.
//
// Secrets are the design choice worth reading config/rbac for: RBAC cannot
// restrict list/watch by label, so the credential rights are a ClusterRole bound
// per namespace (config/rbac/tenant) rather than cluster-wide. The operator
// cannot read a Secret in any namespace that did not opt in, kube-system
// included; inside an opted-in namespace it can list them all (asserted below,
// so that the limit stays visible).
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { operatorKubeconfig, type OperatorIdentity } from './operator-identity.ts';
import { eventually } from '../support/wait.ts';
import { helloEstate } from './support/hello-estate.ts';
import { useInProcess } from './support/in-process.ts';
import { consumerKey, readCondition } from './support/kube.ts';

const env = useControlPlane();
let identity: OperatorIdentity;
const run = useInProcess(env, { identity: async () => (identity = await operatorKubeconfig(env.cp)) });

const objects = (ns: string) => helloEstate(ns, { upstream: run.upstream });

/** The generated key, read as admin (the test's view, not the operator's). */
const keyOf = (ns: string, timeoutMs?: number) => consumerKey(env.cp, ns, 'greetings.default', timeoutMs);

const call = (path: string, key: string) => fetch(`http://127.0.0.1:${run.harness.gateway.proxyPort}${path}`, { headers: { apikey: key } });

const condition = (ns: string, resource: string, type: string) => readCondition(env.cp, ns, resource, type);

/** fn over items, at most `limit` at a time (each is a kubectl process), results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** `kubectl auth can-i` as the operator: exit 0 is yes, 1 is no. */
async function can(...args: string[]): Promise<boolean> {
  const r = await identity.kubectl(['auth', 'can-i', ...args]);
  if (r.code > 1) throw new Error(`kubectl auth can-i ${args.join(' ')}: ${r.stderr}`);
  return r.code === 0;
}

describe('operator RBAC (config/rbac)', () => {
  it('suffices: as its ServiceAccount the operator leads, generates the Secret, writes Accepted and Programmed, and the gateway answers 200', async () => {
    const ns = env.namespace;
    await identity.grant(ns);
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await keyOf(ns);
    expect(key).toMatch(/^tg_/);
    await eventually('200 through the gateway', async () => ((await call(`/hello-${ns}/1.0.0`, key)).status === 200 ? true : undefined));
    for (const resource of ['api/hello', 'apiproduct/hello', 'application/greetings', 'subscription/greetings-hello']) {
      await eventually(`${resource} Programmed`, async () => ((await condition(ns, resource, 'Programmed')).status === 'True' ? true : undefined));
      expect((await condition(ns, resource, 'Accepted')).status).toBe('True');
    }
    expect(run.harness.operator.isLeader()).toBe(true);
    const holder = await env.cp.kubectlOk(['get', 'lease', 'tollgate-operator', '-n', identity.namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(holder).not.toBe('');
    // The whole run went through the token: no watch was refused on the way.
    const metrics = await (await fetch(`http://127.0.0.1:${run.harness.operator.adminPort}/metrics`)).text();
    expect(metrics).not.toMatch(/tollgate_operator_watch_up\{[^}]*\} 0/);
    expect(metrics).toMatch(/tollgate_operator_status_writes_total\{result="failed"\} 0/);
  });

  it('stops there: no Secret outside the namespaces that granted it, no spec writes, no other kinds, no other Leases', async () => {
    const granted = env.namespace;
    await identity.grant(granted);
    const other = await env.cp.newNamespace('unrelated');
    for (const ns of [granted, other, 'kube-system']) {
      await env.cp.kubectlOk(['create', 'secret', 'generic', 'db-password', '-n', ns, '--from-literal=password=hunter2']);
    }
    await env.cp.kubectlOk(['create', 'configmap', 'settings', '-n', other, '--from-literal=a=b']);
    // `kubectl auth can-i` questions and the expected answers, asked together at the end.
    const rights: Array<[string[], boolean]> = [];

    // A real read, refused by the API server, of Secrets the operator has no business with.
    for (const ns of [other, 'kube-system']) {
      const get = await identity.kubectl(['get', 'secret', 'db-password', '-n', ns, '-o', 'yaml']);
      expect(get.code).not.toBe(0);
      expect(get.stderr).toMatch(/Forbidden.*cannot get resource "secrets".*in the namespace/);
      expect(get.stdout).not.toContain('aHVudGVyMg'); // base64 of the password
      const list = await identity.kubectl(['get', 'secrets', '-n', ns]);
      expect(list.code).not.toBe(0);
      expect(list.stderr).toMatch(/Forbidden.*cannot list resource "secrets"/);
    }
    const all = await identity.kubectl(['get', 'secrets', '--all-namespaces']);
    expect(all.code).not.toBe(0);
    expect(all.stderr).toMatch(/Forbidden/);
    rights.push([['watch', 'secrets', '--all-namespaces'], false]);

    // In a namespace that opted in: only what applySecretPlan and the informer use.
    rights.push([['create', 'secrets', '-n', granted], true]);
    rights.push([['delete', 'secrets', '-n', granted], true]);
    rights.push([['watch', 'secrets', '-n', granted], true]);
    rights.push([['get', 'secrets', '-n', granted], false]);
    rights.push([['update', 'secrets', '-n', granted], false]);
    rights.push([['patch', 'secrets', '-n', granted], false]);
    // The known limit: list cannot be narrowed to the tollgate.dev/credential label.
    rights.push([['list', 'secrets', '-n', granted], true]);

    // Its own namespace: the signing-keys Secret by name, nothing else there.
    const own = identity.namespace;
    rights.push([['get', 'secrets/tollgate-signing-keys', '-n', own], true]);
    rights.push([['update', 'secrets/tollgate-signing-keys', '-n', own], true]);
    rights.push([['get', 'secrets/db-password', '-n', own], false]);
    rights.push([['list', 'secrets', '-n', own], false]);
    rights.push([['delete', 'secrets/tollgate-signing-keys', '-n', own], false]);

    // Tollgate objects: read everywhere, status only.
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(other) });
    rights.push([['list', 'apis.tollgate.dev', '--all-namespaces'], true]);
    rights.push([['patch', 'subscriptions.tollgate.dev', '--subresource=status', '-n', other], true]);
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      for (const kind of ['apis', 'apiproducts', 'applications', 'subscriptions']) {
        rights.push([[verb, `${kind}.tollgate.dev`, '-n', other], false]);
      }
    }
    // A real spec write, sent as the operator would send it (kubectl patch would stop at its GET).
    const kc = new KubeConfig();
    kc.loadFromFile(identity.path);
    const specWrite = kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        group: 'tollgate.dev',
        version: 'v1alpha1',
        namespace: other,
        plural: 'subscriptions',
        name: 'greetings-hello',
        body: { spec: { state: 'Revoked' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect(specWrite).rejects.toMatchObject({ code: 403 });
    expect(await env.cp.kubectlOk(['get', 'subscription/greetings-hello', '-n', other, '-o', 'jsonpath={.spec.state}'])).toBe('Active');

    // Nothing else: a ConfigMap, workloads, namespaces, RBAC itself.
    const cm = await identity.kubectl(['get', 'configmap', 'settings', '-n', other]);
    expect(cm.code).not.toBe(0);
    expect(cm.stderr).toMatch(/Forbidden/);
    rights.push([['list', 'deployments.apps', '--all-namespaces'], false]);
    rights.push([['create', 'pods', '-n', other], false]);
    rights.push([['list', 'namespaces'], false]);
    rights.push([['create', 'rolebindings.rbac.authorization.k8s.io', '-n', other], false]);
    rights.push([['escalate', 'clusterroles.rbac.authorization.k8s.io'], false]);
    rights.push([['create', 'serviceaccounts/token', '-n', identity.namespace], false]);

    // Leader election: its own Lease, in its own namespace.
    rights.push([['update', 'leases.coordination.k8s.io/tollgate-operator', '-n', identity.namespace], true]);
    rights.push([['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', identity.namespace], false]);
    rights.push([['create', 'leases.coordination.k8s.io', '-n', 'kube-system'], false]);
    rights.push([['delete', 'leases.coordination.k8s.io/tollgate-operator', '-n', identity.namespace], false]);
    rights.push([['list', 'leases.coordination.k8s.io', '-n', identity.namespace], false]);

    // Events for what users must notice, in any namespace; never read back.
    rights.push([['create', 'events.events.k8s.io', '-n', other], true]);
    rights.push([['create', 'events', '-n', other], true]);
    rights.push([['list', 'events', '-n', other], false]);

    const answers = await mapLimit(rights, 4, ([args]) => can(...args));
    const show = (answer: (i: number) => boolean) => Object.fromEntries(rights.map(([args], i) => [args.join(' '), answer(i)]));
    expect(show((i) => answers[i]!)).toEqual(show((i) => rights[i]![1]));
  }, 60_000);

  it('a namespace that has not granted Secret rights gets no keys, holds up no other namespace, and recovers once granted', async () => {
    const granted = env.namespace;
    await identity.grant(granted);
    const late = await env.cp.newNamespace('late');
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(late) });
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(granted) });

    const key = await keyOf(granted);
    await eventually('200 in the granted namespace', async () => ((await call(`/hello-${granted}/1.0.0`, key)).status === 200 ? true : undefined));
    const pending = await eventually('a Pending credential in the namespace without rights', async () => {
      const out = await env.cp.kubectlOk(['get', 'application/greetings', '-n', late, '-o', 'jsonpath={.status.credentials[0].state}']);
      return out || undefined;
    });
    expect(pending).toBe('Pending');
    expect((await env.cp.kubectl(['get', 'secret', 'greetings.default', '-n', late])).code).not.toBe(0);
    // Not all True: ResolvedRefs says why and names the fix (Argo CD reads Degraded).
    const refs = await eventually('ResolvedRefs naming the fix', async () => {
      const out = await env.cp.kubectlOk(['get', 'application/greetings', '-n', late, '-o', 'jsonpath={.status.conditions[?(@.type=="ResolvedRefs")]}']);
      const c = out ? (JSON.parse(out) as { status: string; reason: string; message: string }) : undefined;
      return c?.reason === 'SecretsForbidden' ? c : undefined;
    });
    expect(refs.status).toBe('False');
    expect(refs.message).toContain(`kubectl apply -n ${late} -k config/rbac/tenant`);

    // The operator's Secret watch there retries with backoff (at most 10 s), so no restart is needed.
    await identity.grant(late);
    const lateKey = await keyOf(late, 30_000);
    await eventually('200 once granted', async () => ((await call(`/hello-${late}/1.0.0`, lateKey)).status === 200 ? true : undefined));
    await eventually('ResolvedRefs True once granted', async () =>
      (await env.cp.kubectlOk(['get', 'application/greetings', '-n', late, '-o', 'jsonpath={.status.conditions[?(@.type=="ResolvedRefs")].status}'])) === 'True'
        ? true
        : undefined,
    );
  }, 60_000);
});
