// A node for the test control plane: the kubelet (built with the API server,
// test/control-plane/build.sh) on Debian's containerd, runc and CNI plugins.
// What these machines need to let it run, without touching their cgroup mounts
// (cgroup v1 controllers with a v2 hierarchy beside them):
//   - the kubelet's failCgroupV1: false (v1.37 refuses cgroup v1 by default:
//     "kubelet is configured to not run on a host using cgroup v1");
//   - containerd's restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so the
//     sandbox's oom_score_adj of -998 fails runc ("can't get final child's PID from pipe: EOF");
//   - a cgroupRoot per node (cgroup-root.ts), so two test nodes at once do not
//     take each other's pods for orphans;
//   - a pause image made here (no registry) and the images a test needs imported
//     from podman's storage (imagePullPolicy: Never).
// Pods get addresses on a CNI bridge the host reaches directly. With
// `services: true`, kube-proxy, CoreDNS and a route to the API server for
// in-cluster clients make Services work (service-network.ts); otherwise Service
// IPs and names do not route.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findTool } from './binaries.ts';
import { makeCgroupRoot, removeCgroupRoot } from './cgroup-root.ts';
import type { ControlPlane } from './control-plane.ts';
import { startChild, type Child } from './processes.ts';
import { freePorts, waitUntilReady } from './readiness.ts';
import { startServiceNetwork, type ServiceNetwork } from './service-network.ts';
import { CLUSTER_DOMAIN, SERVICE_CIDR } from './service-range.ts';

export type TestNode = {
  name: string;
  subnet: string;
  gatewayIp: string;
  /** The pods' nameserver (CoreDNS on the bridge), with `services: true`. */
  dnsIp?: string;
  /**
   * A container's output as the kubelet wrote it (its CRI log files, every
   * restart's), for `kubectl logs`: the API server cannot reach this kubelet,
   * which listens on 127.0.0.1 while the Node's addresses name the machine.
   */
  podLog(namespace: string, pod: string, container: string): string;
  stop(): Promise<void>;
};
export type NodeOptions = { name?: string; services?: boolean };

const PAUSE_IMAGE = 'localhost/tollgate-pause:1';

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

async function pauseImage(): Promise<void> {
  if (
    await run('podman', ['image', 'exists', PAUSE_IMAGE]).then(
      () => true,
      () => false,
    )
  )
    return;
  const ctr = (await run('buildah', ['from', 'scratch'])).trim();
  await run('buildah', ['copy', ctr, findTool('pause'), '/pause']);
  await run('buildah', ['config', '--entrypoint', '["/pause"]', ctr]);
  await run('buildah', ['commit', '--rm', ctr, PAUSE_IMAGE]);
}

function containerdConfig(dir: string, cniDir: string): string {
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_tcp_service = true
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${cniDir}"
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
`;
}

function kubeletConfig(dir: string, port: number, healthzPort: number, cgroupRoot: string, dnsIp: string | undefined): string {
  const dns = dnsIp ? `clusterDNS: [${dnsIp}]\nclusterDomain: ${CLUSTER_DOMAIN}\n` : '';
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: ${cgroupRoot}
failCgroupV1: false
failSwapOn: false
address: 127.0.0.1
port: ${port}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthzPort}
authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://${dir}/containerd.sock
podLogsDir: ${dir}/pod-logs
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%" }
${dns}`;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** containerd's shims outlive it by design (containers survive a restart): ours go with the node. */
function killShims(socket: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.startsWith('/usr/bin/containerd-shim') && cmdline.includes(socket)) process.kill(Number(pid), 'SIGKILL');
  }
}

/** The message of each CRI log line ("<time> <stream> <F|P> <message>"), partial lines joined. */
function readPodLog(dir: string, namespace: string, pod: string, container: string): string {
  const logs = join(dir, 'pod-logs');
  const podDir = existsSync(logs) ? readdirSync(logs).find((d) => d.startsWith(`${namespace}_${pod}_`)) : undefined;
  if (!podDir || !existsSync(join(logs, podDir, container))) return '';
  const files = readdirSync(join(logs, podDir, container)).sort((a, b) => parseInt(a) - parseInt(b));
  let out = '';
  for (const f of files)
    for (const line of readFileSync(join(logs, podDir, container, f), 'utf8').split('\n')) {
      const m = /^\S+ (?:stdout|stderr) ([FP]) (.*)$/.exec(line);
      if (m) out += m[2] + (m[1] === 'F' ? '\n' : '');
    }
  return out;
}

/**
 * A bridge `tgN` with address 10.N.0.1/24 for a random free N: `ip link add` fails when
 * another node holds the name, so the first to add it owns the subnet. The CNI plugin
 * uses it as it finds it; CoreDNS can listen on its address before the first pod.
 */
async function claimBridge(): Promise<number> {
  for (let i = 0; ; i++) {
    const octet = randomInt(100, 250);
    const bridge = `tg${octet}`;
    try {
      await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    } catch (err) {
      if (i < 20 && existsSync(`/sys/class/net/${bridge}`)) continue;
      throw err;
    }
    await run('ip', ['addr', 'add', `10.${octet}.0.1/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    return octet;
  }
}

/** Starts containerd and a kubelet registered as `name`, with `images` from podman's storage; resolves once the Node is Ready. */
export async function startNode(cp: ControlPlane, images: string[], options: NodeOptions = {}): Promise<TestNode> {
  const name = options.name ?? 'node-1';
  const dir = join(cp.dir, 'node');
  const cniDir = join(dir, 'cni');
  mkdirSync(cniDir, { recursive: true });
  // The bridge is made now, not by the CNI plugin at the first pod: creating it is what
  // claims the subnet, so two test nodes starting together cannot both pick one.
  const octet = await claimBridge();
  const subnet = `10.${octet}.0.0/24`;
  const bridge = `tg${octet}`;
  writeFileSync(
    join(cniDir, '10-tollgate.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'tollgate-test',
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: false,
          // No default route: pods reach their subnet and, with Services, the Service range (through the host's kube-proxy), nothing else.
          ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet }]], routes: options.services ? [{ dst: SERVICE_CIDR }] : [] },
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir, cniDir));
  const children: Child[] = [];
  const cgroupName = basename(cp.dir);
  let services: ServiceNetwork | undefined;
  const stop = async (): Promise<void> => {
    // Pods first, so the kubelet stops their containers; then the daemons and what they left mounted.
    await cp.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=0', '--force', '--wait=false'], { timeoutMs: 30_000 });
    await run('ctr', ['-a', join(dir, 'containerd.sock'), '-n', 'k8s.io', 'tasks', 'ls', '-q'])
      .then(async (ids) => {
        for (const id of ids.split('\n').filter(Boolean))
          await run('ctr', ['-a', join(dir, 'containerd.sock'), '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', id]).catch(() => '');
      })
      .catch(() => undefined);
    for (const c of [...children].reverse()) await c.stop();
    await services?.stop();
    killShims(join(dir, 'containerd.sock'));
    // The kubelet links every container's log into /var/log/containers (a fixed path): ours go too.
    for (const link of existsSync('/var/log/containers') ? readdirSync('/var/log/containers') : []) {
      const path = join('/var/log/containers', link);
      if (readlinkSafe(path).startsWith(dir)) rmSync(path, { force: true });
    }
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await run('umount', ['-l', m]).catch(() => '');
    await run('ip', ['link', 'delete', bridge]).catch(() => '');
    await removeCgroupRoot(cgroupName);
  };
  const gatewayIp = `10.${octet}.0.1`;
  try {
    if (options.services) services = await startServiceNetwork(cp, { name, dir, bridge, subnet, gatewayIp });
    await pauseImage();
    const containerd = startChild('containerd', 'containerd', ['--config', join(dir, 'containerd.toml')], join(dir, 'containerd.log'), dir);
    children.push(containerd);
    for (let i = 0; i < 100 && !existsSync(join(dir, 'containerd.sock')); i++) await new Promise((r) => setTimeout(r, 100));
    for (const [i, image] of [PAUSE_IMAGE, ...images].entries()) {
      const tar = join(dir, `image-${i}.tar`);
      await run('podman', ['save', '-o', tar, image]);
      await run('ctr', ['-a', join(dir, 'containerd.sock'), '-n', 'k8s.io', 'images', 'import', tar]);
      rmSync(tar);
    }
    const [port, healthzPort] = (await freePorts(2)) as [number, number];
    writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(dir, port, healthzPort, makeCgroupRoot(cgroupName), services?.dnsIp));
    const kubelet = startChild(
      'kubelet',
      findTool('kubelet'),
      [
        `--kubeconfig=${cp.kubeconfigPath}`,
        `--config=${join(dir, 'kubelet.yaml')}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'pki')}`,
        `--hostname-override=${name}`,
      ],
      join(dir, 'kubelet.log'),
      dir,
    );
    children.push(kubelet);
    await waitUntilReady(kubelet, { url: `http://127.0.0.1:${healthzPort}/healthz` }, 60_000);
    // The Node object appears once the kubelet registered; then it turns Ready.
    for (let i = 0; ; i++) {
      const ready = await cp.kubectl(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      if (ready.stdout === 'True') break;
      if (i >= 600 || kubelet.hasExited()) throw new Error(`node ${name} not Ready (kubelet log: ${join(dir, 'kubelet.log')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await services?.startProxy();
  } catch (err) {
    await stop();
    throw err;
  }
  const podLog = (namespace: string, pod: string, container: string) => readPodLog(dir, namespace, pod, container);
  return { name, subnet, gatewayIp, ...(services ? { dnsIp: services.dnsIp } : {}), podLog, stop };
}
