// The operator's real identity for end-to-end tests: config/rbac applied to the
// test control plane, a ServiceAccount token from the real kubectl (the API
// server signs it with its service-account key), and a kubeconfig holding only
// that token. An operator run with it has exactly the rights config/rbac grants,
// so a missing rule fails the test instead of hiding behind system:masters.
//
//   const op = await operatorKubeconfig(env.cp);
//   await op.grant(env.namespace); // every namespace with Applications (Secrets)
//   await runOperator({ kubeconfig: op.path, leaseNamespace: op.namespace, ... });
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../control-plane/binaries.ts';
import { kubectlRunner, type ControlPlane, type KubectlResult } from '../control-plane/control-plane.ts';

/** Where config/rbac puts the operator's ServiceAccount and its leader-election Role. */
export const OPERATOR_NAMESPACE = 'tollgate-system';
export const OPERATOR_SERVICE_ACCOUNT = 'tollgate-operator';
export const OPERATOR_USERNAME = `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SERVICE_ACCOUNT}`;

const rbacDir = join(repoRoot, 'config', 'rbac');
const tenantBinding = join(rbacDir, 'tenant', 'credentials-role-binding.yaml');

export type OperatorIdentity = {
  /** A kubeconfig authenticating as the operator's ServiceAccount (token only, no client certificate). */
  path: string;
  /** The operator's namespace: pass it as leaseNamespace. */
  namespace: string;
  username: string;
  /**
   * Lets the operator manage credential Secrets in a namespace (config/rbac/tenant).
   * Secrets are granted per namespace, never cluster-wide, so call this for every
   * namespace where the test creates Applications; without it the operator cannot
   * see or create their Secrets.
   */
  grant(namespace: string): Promise<void>;
  /** The real kubectl as the operator; never throws on a non-zero exit. */
  kubectl(args: string[], options?: { input?: string }): Promise<KubectlResult>;
};

export type OperatorIdentityOptions = {
  /** Namespaces to grant right away (see OperatorIdentity.grant). */
  namespaces?: string[];
  /** Token lifetime; the default outlives any test file. */
  tokenDuration?: string;
};

/**
 * Applies config/rbac (idempotent, so every test file may call it), requests a
 * token for the operator's ServiceAccount, and writes a kubeconfig for it into
 * the control plane's directory (removed with it).
 */
export async function operatorKubeconfig(cp: ControlPlane, options: OperatorIdentityOptions = {}): Promise<OperatorIdentity> {
  const ns = await cp.kubectl(['create', 'namespace', OPERATOR_NAMESPACE]);
  if (ns.code !== 0 && !/AlreadyExists/.test(ns.stderr)) throw new Error(`kubectl create namespace ${OPERATOR_NAMESPACE}: ${ns.stderr}`);
  await cp.kubectlOk(['apply', '-k', rbacDir]);
  // A bound token, as a pod would get it projected; the API server checks the
  // ServiceAccount still exists on every request.
  const token = (
    await cp.kubectlOk(['create', 'token', OPERATOR_SERVICE_ACCOUNT, '-n', OPERATOR_NAMESPACE, `--duration=${options.tokenDuration ?? '4h'}`])
  ).trim();
  if (!token) throw new Error('kubectl create token printed no token');

  // Same server and CA as the admin's kubeconfig (JSON, see control-plane/kubeconfig.ts).
  const admin = JSON.parse(await readFile(cp.kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  };
  const cluster = admin.clusters[0]!.cluster;
  const path = join(cp.dir, `operator-${randomBytes(4).toString('hex')}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tollgate-test', cluster: { server: cluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] } }],
    users: [{ name: OPERATOR_USERNAME, user: { token } }],
    contexts: [{ name: 'tollgate-operator', context: { cluster: 'tollgate-test', user: OPERATOR_USERNAME, namespace: OPERATOR_NAMESPACE } }],
    'current-context': 'tollgate-operator',
    preferences: {},
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });

  const identity: OperatorIdentity = {
    path,
    namespace: OPERATOR_NAMESPACE,
    username: OPERATOR_USERNAME,
    grant: async (namespace) => {
      await cp.kubectlOk(['apply', '-n', namespace, '-f', tenantBinding]);
    },
    kubectl: kubectlRunner(cp.binaries.kubectl, path, join(cp.dir, 'kubectl-cache-operator')),
  };
  for (const namespace of options.namespaces ?? []) await identity.grant(namespace);
  return identity;
}
