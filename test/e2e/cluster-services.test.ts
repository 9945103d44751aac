// Tollgate installed with Helm into a cluster whose Services work: the API
// server, controller-manager and scheduler, a kubelet (containerd, runc, CNI),
// kube-proxy in nftables mode and CoreDNS (test/control-plane/node.ts with
// `services: true`). With the image `make image` built:
//   - operator and gateway pods become Ready by the chart's own probes (the
//     operator reaches the API server in-cluster, the gateways the operator by
//     its Service name);
//   - the hello-world example applied, an app pod calls the gateway Service by
//     its cluster DNS name with the key from its credential Secret: 200;
//   - a gateway rolling update (helm upgrade with a pod annotation) loses no
//     request of a steady client calling the Service's ClusterIP from the host;
//   - deleting the leader operator pod hands the Lease to the other replica,
//     which then writes Secrets and publishes snapshots the gateways apply;
//   - deleting the Application garbage-collects its credential Secrets.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { startNode, type TestNode } from '../control-plane/node.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { IMAGE, requireImage } from '../image/podman.ts';
import { until } from '../support/wait.ts';
import { chartDir, helmIn, yamlObjects, type Helm } from './support/helm.ts';
import { consumerKey } from './support/kube.ts';

const env = useControlPlane({ controllers: true, serviceAccountTokens: true });
const NS = 'tollgate-system';
const APP_NS = 'greetings';
let node: TestNode | undefined;
let upstream: Server | undefined;
let upstreamUrl = '';
let helmDir = '';
let helm: Helm;
const seen: string[] = [];

beforeAll(async () => {
  await requireImage();
  node = await startNode(env.cp, [IMAGE], { services: true });
  // On the bridge's address, which the pods route to.
  upstream = http.createServer((req, res) => {
    seen.push(`${req.url ?? ''} apikey=${req.headers.apikey ? 'present' : 'absent'}`);
    res.end('hello from the host');
  });
  await new Promise<void>((r) => upstream!.listen(0, node!.gatewayIp, r));
  upstreamUrl = `http://${node.gatewayIp}:${(upstream.address() as { port: number }).port}`;
  helmDir = await mkdtemp(join(tmpdir(), 'tollgate-helm-'));
  helm = helmIn(helmDir, env.cp.kubeconfigPath);
}, 300_000);
afterAll(async () => {
  await node?.stop();
  upstream?.close();
  if (helmDir) await rm(helmDir, { recursive: true, force: true });
}, 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** A rollout that fails says why: the pods, their events, the kubelet's errors. */
async function rolledOut(deployment: string, ns = NS): Promise<void> {
  const r = await env.cp.kubectl(['rollout', 'status', '-n', ns, `deployment/${deployment}`, '--timeout=150s'], { timeoutMs: 170_000 });
  if (r.code === 0) return;
  const pods = await env.cp.kubectl(['get', 'pods', '-n', ns, '-o', 'wide']);
  const names = (await env.cp.kubectl(['get', 'pods', '-n', ns, '-o', 'name'])).stdout.trim().split('\n');
  const container = deployment.replace(/^tollgate-/, '');
  const logs = names.map((n) => `${n}:\n${tail(node!.podLog(ns, n.replace('pod/', ''), container), 15)}`);
  const kubelet = await readFile(join(env.cp.dir, 'node', 'kubelet.log'), 'utf8').catch(() => '');
  const errors = kubelet.split('\n').filter((l) => l.startsWith('E'));
  throw new Error(`rollout of ${deployment}: ${r.stderr}\n${pods.stdout}\n${logs.join('\n')}\nkubelet:\n${tail(errors.join('\n'), 20)}`);
}

type Pod = {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: Array<{ readinessProbe?: { httpGet?: { path: string } }; livenessProbe?: { httpGet?: { path: string } } }> };
  status: { phase: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
};

async function pods(component: string): Promise<Pod[]> {
  const out = await env.cp.kubectlOk(['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/component=${component}`, '-o', 'json']);
  return (JSON.parse(out) as { items: Pod[] }).items.filter((p) => !p.metadata.deletionTimestamp);
}
const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function clusterIp(service: string): Promise<string> {
  return env.cp.kubectlOk(['get', 'service', '-n', NS, service, '-o', 'jsonpath={.spec.clusterIP}']);
}

/** One call, on a new connection unless `agent` keeps them alive. */
function call(url: string, key: string, agent: http.Agent | false = false): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { apikey: key }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve(e.message));
  });
}

/** hello-world from examples/, its upstream the host's server. */
function helloWorld(): string {
  const dir = join(repoRoot, 'examples', 'hello-world');
  const docs = ['api.yaml', 'product.yaml', 'application.yaml', 'subscription.yaml'].flatMap((f) => yamlObjects(readFileSync(join(dir, f), 'utf8')));
  const api = docs.find((d) => d.kind === 'API') as unknown as { spec: { upstream: { urls: string[] } } };
  api.spec.upstream.urls = [upstreamUrl];
  return docs.map((d) => JSON.stringify(d)).join('\n');
}

// The app: node, the image's only program, fetching by the Service's DNS name.
const appScript = `(async () => {
  const url = new URL(process.env.URL);
  const { address } = await require('node:dns').promises.lookup(url.hostname);
  for (let i = 0; i < 60; i++) {
    try {
      const r = await fetch(url, { headers: { apikey: process.env.APIKEY } });
      console.log(JSON.stringify({ address, status: r.status, body: await r.text() }));
      if (r.status === 200) return;
    } catch (e) {
      console.log(JSON.stringify({ address, error: String(e.cause ?? e) }));
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  process.exitCode = 1;
})()`;

function appPod(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: APP_NS },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'app',
          image: IMAGE,
          imagePullPolicy: 'Never',
          command: ['/usr/local/bin/node', '-e', appScript],
          env: [
            { name: 'URL', value: `http://tollgate-gateway.${NS}.svc.cluster.local/hello/1.0.0/from-app` },
            { name: 'APIKEY', valueFrom: { secretKeyRef: { name: 'greetings.default', key: 'consumerKey' } } },
          ],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  });
}

describe('Tollgate installed with Helm on a node with kube-proxy and CoreDNS', () => {
  it('installs: operator and gateway pods Ready by the chart probes', async () => {
    // The examples' namespaces first: the chart binds the operator's credential role in the app team's.
    await env.cp.kubectlOk(['apply', '-f', join(repoRoot, 'examples', 'namespaces.yaml')]);
    const i = IMAGE.lastIndexOf(':');
    const install = await helm.ok(
      [
        'install',
        'tollgate',
        chartDir,
        ...['--namespace', NS, '--create-namespace'],
        ...['--set', `image.repository=${IMAGE.slice(0, i)}`, '--set', `image.tag=${IMAGE.slice(i + 1)}`, '--set', 'image.pullPolicy=Never'],
        ...['--set', `operator.tenantNamespaces={${APP_NS}}`],
      ],
      { timeoutMs: 120_000 },
    );
    expect(install).toMatch(/STATUS: deployed/);
    await rolledOut('tollgate-operator');
    await rolledOut('tollgate-gateway');
    for (const component of ['operator', 'gateway']) {
      const list = await pods(component);
      expect(list, component).toHaveLength(2);
      for (const p of list) {
        expect(ready(p), `${p.metadata.name} Ready`).toBe(true);
        expect(p.spec.containers[0]!.readinessProbe?.httpGet?.path).toBe('/readyz');
        expect(p.spec.containers[0]!.livenessProbe?.httpGet?.path).toBe('/healthz');
      }
    }
  }, 400_000);

  it('an app pod calls the gateway Service by its DNS name with the key from its Secret: 200', async () => {
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: helloWorld() });
    await consumerKey(env.cp, APP_NS, 'greetings.default', 60_000);
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: appPod('app') });
    const phase = await until(
      'the app pod to finish',
      async () => {
        const p = await env.cp.kubectlOk(['get', 'pod', '-n', APP_NS, 'app', '-o', 'jsonpath={.status.phase}']);
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      120_000,
      500,
    );
    const logs = node!.podLog(APP_NS, 'app', 'app');
    expect(phase.value, logs).toBe('Succeeded');
    const last = JSON.parse(logs.trim().split('\n').pop()!) as { address: string; status: number; body: string };
    expect(last).toEqual({ address: await clusterIp('tollgate-gateway'), status: 200, body: 'hello from the host' });
    // The gateway took the key; the upstream never sees it.
    expect(seen).toContain('/from-app apikey=absent');
  }, 200_000);

  it('a gateway rolling update loses no request of a steady client on the ClusterIP', async () => {
    const key = await consumerKey(env.cp, APP_NS, 'greetings.default');
    const url = `http://${await clusterIp('tollgate-gateway')}/hello/1.0.0/steady`;
    expect(await call(url, key), 'the ClusterIP routes from the host').toBe(200);
    const before = (await pods('gateway')).map((p) => p.metadata.name);
    const fresh: Array<number | string> = [];
    const reused: Array<number | string> = [];
    let running = true;
    // Two clients: one opening a connection per call (each a new pick of endpoint),
    // one keeping its connection alive (pinned to a pod until the gateway's drain closes it).
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Paced to at most 25 calls a second each: together well under the Gold plan's
    // 5000 a minute, so a 429 here would be the gateway's fault, not the quota's.
    const client = async (agent: http.Agent | false, results: Array<number | string>) => {
      while (running) {
        results.push(await call(url, key, agent));
        await sleep(40);
      }
    };
    const clients = [client(false, fresh), client(keepAlive, reused)];
    await sleep(1_000);
    const t0 = performance.now();
    await helm.ok(['upgrade', 'tollgate', chartDir, '--namespace', NS, '--reuse-values', '--set', 'gateway.podAnnotations.rolled=yes'], { timeoutMs: 120_000 });
    await rolledOut('tollgate-gateway');
    // Until the old pods are gone, not just replaced: through their shutdown delay
    // and drain, which close the kept-alive connection.
    const names = async () => (await env.cp.kubectlOk(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=gateway', '-o', 'name'])).split('\n');
    await until(
      'the old gateway pods gone',
      async () => ((await names()).some((n) => before.includes(n.replace('pod/', ''))) ? undefined : true),
      120_000,
      500,
    );
    const rolloutMs = Math.round(performance.now() - t0);
    await sleep(1_000);
    running = false;
    await Promise.all(clients);
    keepAlive.destroy();
    console.log(
      `rolling update: ${fresh.length} requests on new connections and ${reused.length} on a kept-alive one over a ${rolloutMs} ms rollout (until the old pods were gone), ` +
        `${[...fresh, ...reused].filter((r) => r !== 200).length} not 200`,
    );
    expect(Math.min(fresh.length, reused.length)).toBeGreaterThan(50);
    expect(fresh.filter((r) => r !== 200)).toEqual([]);
    expect(reused.filter((r) => r !== 200)).toEqual([]);
  }, 300_000);

  it('deleting the leader operator pod hands the Lease to the other replica, which publishes', async () => {
    const holder = async () => env.cp.kubectlOk(['get', 'lease', '-n', NS, 'tollgate-operator', '-o', 'jsonpath={.spec.holderIdentity}']);
    const leader = await holder();
    const replicas = (await pods('operator')).map((p) => p.metadata.name);
    expect(replicas).toContain(leader);
    const other = replicas.find((n) => n !== leader)!;
    const t0 = performance.now();
    await env.cp.kubectlOk(['delete', 'pod', '-n', NS, leader, '--wait=false']);
    // Released on the leader's clean stop (an empty holder), then taken.
    const { value: next } = await until(
      'a new Lease holder',
      async () => {
        const h = await holder();
        return h && h !== leader ? h : undefined;
      },
      60_000,
      200,
    );
    console.log(`leader handover: ${Math.round(performance.now() - t0)} ms, ${leader} -> ${next}`);
    expect(next).toBe(other);
    // What only a leader does: write the new credential's Secret and publish a snapshot with it.
    await env.cp.kubectlOk([
      'patch',
      'application',
      '-n',
      APP_NS,
      'greetings',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/credentials/-","value":{"name":"ci"}}]',
    ]);
    const ciKey = await consumerKey(env.cp, APP_NS, 'greetings.ci', 60_000);
    const url = `http://${await clusterIp('tollgate-gateway')}/hello/1.0.0/after-handover`;
    await until('the gateways to accept the new key', async () => ((await call(url, ciKey)) === 200 ? true : undefined), 60_000, 500);
    await rolledOut('tollgate-operator');
  }, 200_000);

  it('deleting the Application garbage-collects its credential Secrets; the gateways refuse its keys', async () => {
    const key = await consumerKey(env.cp, APP_NS, 'greetings.default');
    const url = `http://${await clusterIp('tollgate-gateway')}/hello/1.0.0/after-delete`;
    expect(await call(url, key)).toBe(200);
    await env.cp.kubectlOk(['delete', 'application', '-n', APP_NS, 'greetings']);
    await until(
      'the credential Secrets collected',
      async () =>
        (await env.cp.kubectlOk(['get', 'secrets', '-n', APP_NS, '-l', 'tollgate.dev/application=greetings', '-o', 'name'])).trim() === '' ? true : undefined,
      60_000,
      500,
    );
    await until('the gateways to refuse the key', async () => ((await call(url, key)) === 401 ? true : undefined), 60_000, 500);
  }, 150_000);
});
