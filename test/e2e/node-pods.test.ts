// Pods that really run: a kubelet with containerd, runc and CNI beside the API
// server, controller-manager and scheduler (test/control-plane/node.ts). The
// gateway from the image `make image` built runs as a Deployment of two pods:
// ReplicaSet, scheduling, the real readiness and liveness probes, a snapshot
// mounted from a ConfigMap, a read-only root filesystem; a call to each pod's
// IP with the key reaches an upstream on the host; a deleted pod is replaced.
import { readFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../control-plane/node.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { basicSnapshot, TEST_KEY } from '../gateway/fixtures.ts';
import { IMAGE, requireImage } from '../image/podman.ts';

const env = useControlPlane({ controllers: true });
let node: TestNode | undefined;
let upstream: Server;
let upstreamPort: number;
const seen: string[] = [];

beforeAll(async () => {
  await requireImage();
  node = await startNode(env.cp, [IMAGE]);
  // On every address: the pods reach it through their bridge's gateway address.
  upstream = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('hello from the host');
  });
  await new Promise<void>((r) => upstream.listen(0, '0.0.0.0', r));
  upstreamPort = (upstream.address() as { port: number }).port;
}, 240_000);
afterAll(async () => {
  await node?.stop();
  upstream?.close();
}, 120_000);

const deployment = (ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: gateway, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: gateway } }
  template:
    metadata: { labels: { app: gateway } }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: gateway
          image: ${IMAGE}
          imagePullPolicy: Never
          args: [gateway, --snapshot=/snapshot/snapshot.json, --proxy-port=8080, --admin-port=9090]
          ports: [{ name: proxy, containerPort: 8080 }, { name: admin, containerPort: 9090 }]
          readinessProbe: { httpGet: { path: /readyz, port: admin }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /healthz, port: admin }, periodSeconds: 10 }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: snapshot, mountPath: /snapshot, readOnly: true }]
      volumes: [{ name: snapshot, configMap: { name: snapshot } }]
`;

/** A rollout that fails says why: the pods, their events, the kubelet's last lines. */
async function rolledOut(ns: string): Promise<void> {
  const r = await env.cp.kubectl(['rollout', 'status', '-n', ns, 'deployment/gateway', '--timeout=60s'], { timeoutMs: 190_000 });
  if (r.code === 0) return;
  const pods = await env.cp.kubectl(['describe', 'pods', '-n', ns]);
  const log = await readFile(join(env.cp.dir, 'node', 'kubelet.log'), 'utf8').catch(() => '');
  throw new Error(
    `rollout: ${r.stderr}\n${pods.stdout.slice(-6000)}\nkubelet:\n${log
      .split('\n')
      .filter((l) => l.startsWith('E'))
      .slice(-30)
      .join('\n')}`,
  );
}

async function podIps(ns: string): Promise<string[]> {
  const out = await env.cp.kubectlOk([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    'app=gateway',
    '--field-selector=status.phase=Running',
    '-o',
    'jsonpath={.items[*].status.podIP}',
  ]);
  return out.split(' ').filter(Boolean);
}

describe('a node (kubelet, containerd, runc, CNI)', () => {
  it('runs the gateway image as a Deployment: Ready by its probes, answering calls on the pod IPs, a deleted pod replaced', async () => {
    const ns = env.namespace;
    const snapshot = JSON.stringify(basicSnapshot(`http://${node!.gatewayIp}:${upstreamPort}`));
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'snapshot', namespace: ns }, data: { 'snapshot.json': snapshot } };
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(configMap) });
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: deployment(ns) });
    await rolledOut(ns);
    const ips = await podIps(ns);
    expect(ips).toHaveLength(2);
    for (const ip of ips) {
      const res = await fetch(`http://${ip}:8080/hello/1.0.0/from-${ip}`, { headers: { 'x-api-key': TEST_KEY } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello from the host');
      expect((await fetch(`http://${ip}:8080/hello/1.0.0/`)).status, 'no key').toBe(401);
    }
    expect(seen).toEqual(expect.arrayContaining(ips.map((ip) => `/from-${ip}`)));

    const [victim] = (await env.cp.kubectlOk(['get', 'pods', '-n', ns, '-l', 'app=gateway', '-o', 'name'])).trim().split('\n');
    await env.cp.kubectlOk(['delete', '-n', ns, victim!, '--wait=true'], { timeoutMs: 90_000 });
    await rolledOut(ns);
    const after = await env.cp.kubectlOk(['get', 'pods', '-n', ns, '-l', 'app=gateway', '-o', 'name']);
    expect(after.trim().split('\n')).toHaveLength(2);
    expect(after).not.toContain(victim);
  }, 420_000);
});
