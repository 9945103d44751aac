// A real etcd + kube-apiserver for the operator's tests, started the way
// controller-runtime's envtest starts them (same flags, loopback only), with
// Tollgate's CRDs applied by the real kubectl. One per test file; see
// vitest-hooks.ts for the beforeAll/afterAll wiring.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinaries, findTool, repoRoot, type Binaries } from './binaries.ts';
import { makePki, type Pki } from './certs.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { installExitHooks, removeNow, removeOnExit, startChild, type Child } from './processes.ts';
import { ChildExitedError, freePorts, waitUntilReady } from './readiness.ts';
import { SERVICE_CIDR } from './service-range.ts';

export type KubectlResult = { code: number; stdout: string; stderr: string };
export type KubectlOptions = { input?: string; timeoutMs?: number };

export type ControlPlane = {
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  /** The temporary directory holding certificates, etcd data and logs; removed by stop(). */
  dir: string;
  binaries: Binaries;
  /** Process-group ids of the running servers (each group: a tether and its server). */
  processGroups(): { name: string; pgid: number }[];
  /** Milliseconds from startControlPlane() to each milestone. */
  timings: { etcdReady: number; apiserverReady: number; crdsEstablished: number };
  /** Runs the real kubectl as the system:masters admin; never throws on a non-zero exit. */
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** Like kubectl(), but a non-zero exit is an error carrying kubectl's stderr. */
  kubectlOk(args: string[], options?: KubectlOptions): Promise<string>;
  /** Creates a namespace with a random name and returns the name. */
  newNamespace(prefix?: string): Promise<string>;
  stop(): Promise<void>;
};

export type StartOptions = {
  /** Directory of CRD manifests to apply and wait for; null applies none. Default: <repo>/crds. */
  crdsDir?: string | null;
  /** Per-server readiness limit. */
  readyTimeoutMs?: number;
  /**
   * Also run kube-controller-manager (owner-reference garbage collection,
   * Deployments, ReplicaSets, EndpointSlices, ...) and kube-scheduler, from the
   * same Kubernetes module as the API server. No kubelet: pods are scheduled
   * onto no node and stay Pending.
   */
  controllers?: boolean;
  /**
   * Pods get their ServiceAccount's token mounted (the ServiceAccount admission
   * plugin), as in-cluster clients such as the operator need. Only with
   * controllers, whose serviceaccount controller creates each namespace's default.
   */
  serviceAccountTokens?: boolean;
};

export const adminUser = 'tollgate-admin';

export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const t0 = performance.now();
  const since = (): number => Math.round(performance.now() - t0);
  const binaries = findBinaries(); // throws, with the command to run, before anything starts
  const crdsDir = options.crdsDir === undefined ? join(repoRoot, 'crds') : options.crdsDir;
  if (crdsDir !== null) assertHasManifests(crdsDir);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  installExitHooks();
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-control-plane-'));
  removeOnExit(dir);
  const children: Child[] = [];
  const stopChildren = async (): Promise<void> => {
    // The API server first, so it does not spend its shutdown retrying a dead etcd.
    for (const child of [...children].reverse()) await child.stop();
    children.length = 0;
  };

  try {
    const pkiDir = join(dir, 'pki');
    mkdirSync(pkiDir);
    const pki = await makePki(pkiDir, adminUser);
    const tls = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };

    let server = '';
    let etcdReady = 0;
    // A port can be taken between our choosing it and the child binding it.
    for (let attempt = 1; ; attempt++) {
      const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
      try {
        const etcd = startChild('etcd', binaries.etcd, etcdArgs(dir, attempt, etcdPort, peerPort), join(dir, 'etcd.log'), dir);
        children.push(etcd);
        await waitUntilReady(etcd, { url: `http://127.0.0.1:${etcdPort}/health` }, readyTimeoutMs);
        etcdReady = since();
        server = `https://127.0.0.1:${apiPort}`;
        const args = apiserverArgs(dir, pki, etcdPort, apiPort, options.serviceAccountTokens === true);
        const api = startChild('kube-apiserver', binaries.kubeApiserver, args, join(dir, 'kube-apiserver.log'), dir);
        children.push(api);
        await waitUntilReady(api, { url: `${server}/readyz`, tls }, readyTimeoutMs);
        break;
      } catch (err) {
        await stopChildren();
        if (err instanceof ChildExitedError && err.portClash && attempt < 3) continue;
        throw err;
      }
    }
    const apiserverReady = since();

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, server, pki, adminUser);
    const kubectl = kubectlRunner(binaries.kubectl, kubeconfigPath, join(dir, 'kubectl-cache'));
    const kubectlOk = async (args: string[], opts?: KubectlOptions): Promise<string> => {
      const r = await kubectl(args, opts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };

    if (crdsDir !== null) {
      await kubectlOk(['apply', '--server-side', '--field-manager=tollgate-tests', '-f', crdsDir]);
      await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crdsDir]);
    }
    const crdsEstablished = since();
    if (options.controllers) children.push(...(await startControllers(dir, pki, kubeconfigPath, readyTimeoutMs)));

    let stopped = false;
    return {
      server,
      kubeconfigPath,
      dir,
      binaries,
      timings: { etcdReady, apiserverReady, crdsEstablished },
      processGroups: () => children.map((c) => ({ name: c.name, pgid: c.pid })),
      kubectl,
      kubectlOk,
      async newNamespace(prefix = 'test') {
        const name = `${prefix}-${randomBytes(4).toString('hex')}`;
        await kubectlOk(['create', 'namespace', name]);
        return name;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // A server that died mid-test explains the failures; its log goes with the directory.
        for (const child of children.filter((c) => c.hasExited())) {
          console.error(`control plane: ${child.name} had exited before stop(); last lines of its log:\n${child.logTail(40)}`);
        }
        await stopChildren();
        removeNow(dir);
      },
    };
  } catch (err) {
    await stopChildren();
    removeNow(dir);
    throw err;
  }
}

function assertHasManifests(crdsDir: string): void {
  const manifests = existsSync(crdsDir) ? readdirSync(crdsDir).filter((f) => /\.(ya?ml|json)$/.test(f)) : [];
  if (manifests.length === 0) throw new Error(`control plane: no CRD manifests in ${crdsDir}`);
}

// envtest's etcd flags; the data dir is per attempt so a retry starts clean.
function etcdArgs(dir: string, attempt: number, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    `--data-dir=${join(dir, `etcd-data-${attempt}`)}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Throwaway data: durability only costs time.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

// envtest's kube-apiserver flags (controller-runtime pkg/internal/testing/controlplane),
// with our own certificates instead of its generated ones.
/** kube-controller-manager and kube-scheduler as the admin, serving /healthz with the API server's certificate. */
async function startControllers(dir: string, pki: Pki, kubeconfig: string, readyTimeoutMs: number): Promise<Child[]> {
  const [kcmPort, schedulerPort] = (await freePorts(2)) as [number, number];
  const common = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    '--leader-elect=false',
  ];
  const kcm = startChild(
    'kube-controller-manager',
    findTool('kube-controller-manager'),
    [...common, `--secure-port=${kcmPort}`, '--controllers=*', `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.caCert}`],
    join(dir, 'kube-controller-manager.log'),
    dir,
  );
  const scheduler = startChild(
    'kube-scheduler',
    findTool('kube-scheduler'),
    [...common, `--secure-port=${schedulerPort}`],
    join(dir, 'kube-scheduler.log'),
    dir,
  );
  const tls = { ca: await readFile(pki.caCert) };
  await Promise.all([
    waitUntilReady(kcm, { url: `https://127.0.0.1:${kcmPort}/healthz`, tls }, readyTimeoutMs),
    waitUntilReady(scheduler, { url: `https://127.0.0.1:${schedulerPort}/healthz`, tls }, readyTimeoutMs),
  ]);
  return [kcm, scheduler];
}

function apiserverArgs(dir: string, pki: Pki, etcdPort: number, port: number, serviceAccountTokens: boolean): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    // Unlike envtest, which leaves the advertise address to default to this
    // machine's first non-loopback IP, keep everything on 127.0.0.1. The endpoint
    // reconciler refuses a loopback address, and with no kubelet or pod to reach
    // the kubernetes Service it has nothing to do here anyway.
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://127.0.0.1:${port}/`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    // Without a controller-manager no namespace ever gets a default
    // ServiceAccount; the admission plugin would refuse every pod for it.
    ...(serviceAccountTokens ? [] : ['--disable-admission-plugins=ServiceAccount']),
  ];
}

/** kubectl with exactly this kubeconfig and cache directory: no developer's kubeconfig is read. */
export function kubectlRunner(kubectlPath: string, kubeconfigPath: string, cacheDir: string) {
  return (args: string[], options: KubectlOptions = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const proc = spawn(kubectlPath, [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args], {
        // The developer's own kubeconfig must never be read, let alone used.
        env: { ...process.env, KUBECONFIG: kubeconfigPath },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 60_000,
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      proc.on('error', reject);
      proc.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      proc.stdin.end(options.input ?? '');
    });
}
