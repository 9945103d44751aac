// Where the control-plane binaries are: envtest's KUBEBUILDER_ASSETS when set,
// otherwise what build.sh left in the cache for the pinned Kubernetes release.
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Binaries = { kubeApiserver: string; etcd: string; kubectl: string; dir: string };

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');

/** The k8s.io/kubernetes release pinned in go/kubernetes/go.mod, e.g. "v1.37.2". */
export function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(join(here, 'go', 'kubernetes', 'go.mod'), 'utf8');
  const m = /^\s*k8s\.io\/kubernetes\s+(v1\.\d+\.\d+)\b/m.exec(goMod);
  if (!m?.[1]) throw new Error('test/control-plane/go/kubernetes/go.mod does not require k8s.io/kubernetes');
  return m[1];
}

export function binariesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBEBUILDER_ASSETS) return env.KUBEBUILDER_ASSETS;
  const cache = env.TOLLGATE_CACHE_DIR || join(repoRoot, '.cache');
  return join(cache, 'control-plane', pinnedKubernetesVersion());
}

/** Throws, never skips: a test that needs a control plane and has none has failed. */
export function findBinaries(env: NodeJS.ProcessEnv = process.env): Binaries {
  const dir = binariesDir(env);
  const path = (name: string): string => {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
    } catch {
      const source = env.KUBEBUILDER_ASSETS ? 'KUBEBUILDER_ASSETS' : 'the control-plane cache';
      throw new Error(
        `control plane: no executable ${name} in ${dir} (${source}). ` +
          'Run `make control-plane` (test/control-plane/build.sh) to build kube-apiserver, etcd and kubectl.',
      );
    }
    return p;
  };
  return { dir, kubeApiserver: path('kube-apiserver'), etcd: path('etcd'), kubectl: path('kubectl') };
}

/** The tools build.sh also builds beside the control plane (never taken from KUBEBUILDER_ASSETS, which has none of them). */
export type Tool = 'helm' | 'argocd-lua' | 'kube-controller-manager' | 'kube-scheduler' | 'kubelet' | 'kube-proxy' | 'coredns' | 'pause';

/** Throws, never skips, like findBinaries. */
export function findTool(name: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.TOLLGATE_CACHE_DIR || join(repoRoot, '.cache');
  const p = join(cache, 'control-plane', pinnedKubernetesVersion(), name);
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new Error(
      `no executable ${name} at ${p}. Run \`make control-plane\` (test/control-plane/build.sh), which builds it from the Go modules in test/control-plane/go.`,
    );
  }
  return p;
}
