import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeTargetError, type KubeFlags } from './kube-flags.ts';

/** Where a command reads from: the cluster of a kubeconfig context, and which namespace(s) in it. */
export interface KubeTarget {
  kc: KubeConfig;
  context: string;
  /** The namespace to read, or undefined for every namespace (-A). */
  namespace: string | undefined;
  /** Longest wait for one API server request. */
  timeoutMs: number;
}

/** A kubectl-like command should answer or fail in seconds, not hang on a dead API server. */
const DEFAULT_TIMEOUT_MS = 30_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

function timeoutOf(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_TIMEOUT_MS;
  const m = /^([0-9]{1,7})(ms|s|m)?$/.exec(flag);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's']! : 0;
  if (ms <= 0) throw new KubeTargetError('InvalidFlag', `--request-timeout ${flag}: give a positive duration such as 500ms, 10s or 1m`);
  return ms;
}

/**
 * Loads the kubeconfig as kubectl does: --kubeconfig, else $KUBECONFIG (a list
 * of files, merged), else ~/.kube/config, else the in-cluster service account;
 * then --context or the current context, and -n or the context's namespace.
 */
export function kubeTarget(flags: KubeFlags): KubeTarget {
  const timeoutMs = timeoutOf(flags.requestTimeout);
  const kc = new KubeConfig();
  const home = join(homedir(), '.kube', 'config');
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else if (process.env.KUBECONFIG || existsSync(home)) kc.loadFromDefault();
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else throw new KubeTargetError('NoKubeconfig', 'no kubeconfig: set KUBECONFIG, pass --kubeconfig, or give a directory of YAML to read instead');
  } catch (e) {
    if (e instanceof KubeTargetError) throw e;
    throw new KubeTargetError(
      'KubeconfigUnreadable',
      `cannot read the kubeconfig ${flags.kubeconfig ?? process.env.KUBECONFIG ?? home}: ${(e as Error).message}`,
    );
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeTargetError('UnknownContext', `no context ${flags.context} in the kubeconfig (it has ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(flags.context);
  }
  const context = kc.getCurrentContext();
  const ctx = context ? kc.getContextObject(context) : null;
  if (!ctx) throw new KubeTargetError('NoContext', 'the kubeconfig has no current context: pass --context');
  if (!kc.getCurrentCluster()) throw new KubeTargetError('NoCluster', `context ${context} names no cluster in the kubeconfig`);
  const namespace = flags.allNamespaces ? undefined : (flags.namespace ?? ctx.namespace ?? 'default');
  return { kc, context, namespace, timeoutMs };
}
