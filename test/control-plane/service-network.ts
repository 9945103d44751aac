// Services for the test node (node.ts, `services: true`): kube-proxy in nftables
// mode routes ClusterIPs, CoreDNS's kubernetes plugin answers for cluster.local,
// and pods reach the API server as the kubernetes Service, all on the host:
//   - kube-proxy writes only its own tables (ip/ip6 "kube-proxy"), removed at stop
//     and, left over by a killed run, at the next start;
//   - those table names and the Service range are the same for every test control
//     plane, so one node at a time has Services on this machine (a flock, held by a
//     tethered process, so a killed test releases it);
//   - the Service range is routed onto the node's bridge, so a ClusterIP that
//     kube-proxy does not (yet) know never leaves the machine;
//   - CoreDNS listens on the bridge's address, which is the pods' nameserver;
//   - the API server listens on 127.0.0.1 only, and a DNAT to loopback is dropped,
//     so a TCP relay on the bridge's address carries pods' TLS to it untouched: the
//     kubernetes Service's EndpointSlice names that relay.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { findTool } from './binaries.ts';
import type { ControlPlane } from './control-plane.ts';
import { startChild, type Child } from './processes.ts';
import { freePorts, waitUntilReady } from './readiness.ts';
import { CLUSTER_DOMAIN, SERVICE_CIDR } from './service-range.ts';

export type NodeNetwork = { name: string; dir: string; bridge: string; subnet: string; gatewayIp: string };
export type ServiceNetwork = {
  dnsIp: string;
  /** kube-proxy, once the Node exists: it takes the node's addresses from it and is not healthy before. */
  startProxy(): Promise<void>;
  stop(): Promise<void>;
};

const LOCK = existsSync('/run/lock') ? '/run/lock/tollgate-test-services.lock' : '/tmp/tollgate-test-services.lock';
const LOCK_WAIT_S = 600;

// Netfilter's nft from the system's directories, never from PATH: under npm scripts
// and npx, node_modules/.bin comes first and holds @vercel/nft's CLI, also named nft,
// which kube-proxy would run ("could not parse nft output: unexpected end of JSON
// input") while its rules never reach the kernel.
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NFT = SYSTEM_PATH.split(':')
  .map((d) => join(d, 'nft'))
  .find((p) => existsSync(p));

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Deletes kube-proxy's own tables; nothing else in the ruleset is touched. */
export async function deleteKubeProxyTables(): Promise<void> {
  if (!NFT) return;
  for (const family of ['ip', 'ip6']) await run(NFT, ['delete', 'table', family, 'kube-proxy']).catch(() => '');
}

async function takeLock(dir: string): Promise<Child> {
  const log = join(dir, 'services-lock.log');
  const lock = startChild('services-lock', 'flock', ['-w', String(LOCK_WAIT_S), LOCK, 'bash', '-c', 'echo locked; exec sleep infinity'], log, '-');
  for (;;) {
    if (readFileSync(log, 'utf8').includes('locked')) return lock;
    if (lock.hasExited()) throw new Error(`services: another test node held ${LOCK} for ${LOCK_WAIT_S} s (flock: ${lock.logTail(5)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP relay from the bridge's address to the API server's loopback port. */
async function apiRelay(host: string, port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

function kubernetesSlice(ip: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  });
}

async function startKubeProxy(cp: ControlPlane, net: NodeNetwork, children: Child[]): Promise<void> {
  const [healthz, metrics] = (await freePorts(2)) as [number, number];
  const config = join(net.dir, 'kube-proxy.yaml');
  // conntrack all zero and oomScoreAdj 0: the machine's own settings stay as they are.
  writeFileSync(
    config,
    `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection: { kubeconfig: ${cp.kubeconfigPath} }
hostnameOverride: ${net.name}
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:${healthz}
metricsBindAddress: 127.0.0.1:${metrics}
clusterCIDR: ${net.subnet}
nodePortAddresses: [primary]
oomScoreAdj: 0
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
nftables: { syncPeriod: 30s, minSyncPeriod: 0s }
`,
  );
  // env sets the PATH kube-proxy finds nft on (see SYSTEM_PATH).
  const args = [`PATH=${SYSTEM_PATH}`, findTool('kube-proxy'), `--config=${config}`];
  const proxy = startChild('kube-proxy', 'env', args, join(net.dir, 'kube-proxy.log'), net.dir);
  children.push(proxy);
  // 200 once the Node exists and the first sync has written the rules.
  await waitUntilReady(proxy, { url: `http://127.0.0.1:${healthz}/healthz` }, 60_000);
}

async function startCoreDns(cp: ControlPlane, net: NodeNetwork, children: Child[]): Promise<void> {
  const [health, ready] = (await freePorts(2)) as [number, number];
  const corefile = join(net.dir, 'Corefile');
  writeFileSync(
    corefile,
    `${CLUSTER_DOMAIN}:53 in-addr.arpa:53 ip6.arpa:53 {
  bind ${net.gatewayIp}
  errors
  health 127.0.0.1:${health}
  ready 127.0.0.1:${ready}
  kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
    kubeconfig ${cp.kubeconfigPath}
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
`,
  );
  const dns = startChild('coredns', findTool('coredns'), ['-conf', corefile], join(net.dir, 'coredns.log'), net.dir);
  children.push(dns);
  // /ready answers 200 once the kubernetes plugin has listed Services and EndpointSlices.
  await waitUntilReady(dns, { url: `http://127.0.0.1:${ready}/ready` }, 60_000);
}

/** Starts the Service network of a node whose bridge already has its gateway address; kube-proxy comes with startProxy(). */
export async function startServiceNetwork(cp: ControlPlane, net: NodeNetwork): Promise<ServiceNetwork> {
  // kube-proxy's nftables mode runs the nft program; without it, say which package brings it.
  if (!NFT) throw new Error(`services: no nft in ${SYSTEM_PATH} (apt-get install nftables; kube-proxy's nftables mode runs it)`);
  const lock = await takeLock(net.dir);
  const children: Child[] = [];
  let relay: Server | undefined;
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) await c.stop();
    await new Promise((r) => (relay ? relay.close(r) : r(undefined)));
    await deleteKubeProxyTables();
    await run('ip', ['route', 'delete', SERVICE_CIDR, 'dev', net.bridge]).catch(() => '');
    await lock.stop();
  };
  try {
    await deleteKubeProxyTables();
    await run('ip', ['route', 'replace', SERVICE_CIDR, 'dev', net.bridge]);
    const apiPort = Number(new URL(cp.server).port);
    relay = await apiRelay(net.gatewayIp, apiPort);
    await cp.kubectlOk(['apply', '-f', '-'], { input: kubernetesSlice(net.gatewayIp, apiPort) });
    await startCoreDns(cp, net, children);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dnsIp: net.gatewayIp, startProxy: () => startKubeProxy(cp, net, children), stop };
}
