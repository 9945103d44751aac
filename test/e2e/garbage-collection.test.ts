// With kube-controller-manager and kube-scheduler beside the API server
// (useControlPlane({ controllers: true })): deleting an Application garbage-
// collects its credential Secrets through their owner references (the operator
// itself never deletes the Secrets of an Application that is gone), and the
// chart's Deployments get ReplicaSets and pods that the scheduler tries to
// place. No kubelet runs here (see test/control-plane/README.md), so the pods
// stay Pending with the scheduler's reason.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { until } from '../support/wait.ts';
import { chartDir, helmIn } from './support/helm.ts';
import { startInProcess, type InProcess } from './support/in-process.ts';
import { consumerKey } from './support/kube.ts';

const env = useControlPlane({ controllers: true });
const logger = pino({ level: process.env.E2E_LOG ?? 'silent' }, pino.destination(2));
let harness: InProcess | undefined;

beforeAll(async () => {
  harness = await startInProcess({ kubeconfig: env.cp.kubeconfigPath, leaseNamespace: 'default', logger });
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

describe('with kube-controller-manager and kube-scheduler', () => {
  it('deleting an Application garbage-collects its credential Secrets', async () => {
    const ns = env.namespace;
    const app = `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: greetings, namespace: ${ns} }
spec:
  owner: { email: dev@example.com }
  credentials: [{ name: default }, { name: ci }]
`;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: app });
    await consumerKey(env.cp, ns, 'greetings.default');
    await consumerKey(env.cp, ns, 'greetings.ci');
    const owners = await env.cp.kubectlOk([
      'get',
      'secret',
      '-n',
      ns,
      'greetings.default',
      '-o',
      'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}',
    ]);
    expect(owners).toBe('Application/greetings');

    await env.cp.kubectlOk(['delete', 'application.tollgate.dev', '-n', ns, 'greetings']);
    const { ms } = await until(
      'the credential Secrets collected',
      async () =>
        (await env.cp.kubectlOk(['get', 'secrets', '-n', ns, '-l', 'tollgate.dev/application=greetings', '-o', 'name'])).trim() === '' ? true : undefined,
      60_000,
      200,
    );
    expect(ms).toBeLessThan(60_000);
  }, 120_000);

  it("the chart's Deployments get ReplicaSets and pods, which wait for a node", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-gc-helm-'));
    try {
      const helm = helmIn(dir, env.cp.kubeconfigPath);
      await helm.ok(['install', 'tollgate', chartDir, '--namespace', 'tollgate-system', '--create-namespace', '--skip-crds'], { timeoutMs: 120_000 });
      for (const component of ['operator', 'gateway']) {
        const selector = `app.kubernetes.io/component=${component}`;
        await until(
          `${component} ReplicaSet and 2 pods`,
          async () => {
            const rs = await env.cp.kubectlOk(['get', 'replicasets', '-n', 'tollgate-system', '-l', selector, '-o', 'name']);
            const pods = (await env.cp.kubectlOk(['get', 'pods', '-n', 'tollgate-system', '-l', selector, '-o', 'name'])).trim().split('\n').filter(Boolean);
            return rs.trim() && pods.length === 2 ? true : undefined;
          },
          60_000,
          250,
        );
      }
      const reason = await until(
        'the scheduler to say why the pods wait',
        async () => {
          const out = await env.cp.kubectlOk([
            'get',
            'pods',
            '-n',
            'tollgate-system',
            '-o',
            'jsonpath={.items[0].status.conditions[?(@.type=="PodScheduled")].message}',
          ]);
          return out || undefined;
        },
        60_000,
        250,
      );
      expect(reason.value).toMatch(/no nodes available to schedule pods|0\/0 nodes are available/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
