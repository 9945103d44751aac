// Which identity the end-to-end operators run as: the operator's ServiceAccount
// with exactly config/rbac's rights (test/e2e/operator-identity.ts), not the
// admin, so a missing rule fails these tests too. One place, so that every
// test switches together.
import type { ControlPlane } from '../../control-plane/control-plane.ts';
import { operatorKubeconfig } from '../operator-identity.ts';
import { startOperatorProcess, type OperatorProcess, type OperatorProcessOptions } from './processes.ts';

export type OperatorAccess = {
  kubeconfig: string;
  /** Where the leader-election Lease lives (the operator's own namespace). */
  leaseNamespace: string;
  /** Lets the operator keep credential Secrets in a namespace with Applications (config/rbac/tenant). */
  grant(namespace: string): Promise<void>;
  /**
   * A real `tollgate operator` process with exactly these rights, on free ports
   * unless `options` name them; its log goes under `dir` (the control plane's by default).
   */
  startOperator(identity: string, options?: Partial<OperatorProcessOptions>, dir?: string): Promise<OperatorProcess>;
};

export async function operatorAccess(cp: ControlPlane): Promise<OperatorAccess> {
  const id = await operatorKubeconfig(cp);
  return {
    kubeconfig: id.path,
    leaseNamespace: id.namespace,
    grant: (namespace) => id.grant(namespace),
    startOperator: (identity, options = {}, dir = cp.dir) =>
      startOperatorProcess(dir, { identity, kubeconfig: id.path, leaseNamespace: id.namespace, publisherPort: 0, adminPort: 0, ...options }),
  };
}
