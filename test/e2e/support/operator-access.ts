// Which identity the end-to-end operators run as: the operator's ServiceAccount
// with exactly config/rbac's rights (test/e2e/operator-identity.ts), not the
// admin, so a missing rule fails these tests too. One place, so that every
// test switches together.
import type { ControlPlane } from '../../control-plane/control-plane.ts';
import { operatorKubeconfig } from '../operator-identity.ts';

export type OperatorAccess = {
  kubeconfig: string;
  /** Where the leader-election Lease lives (the operator's own namespace). */
  leaseNamespace: string;
  /** Lets the operator keep credential Secrets in a namespace with Applications (config/rbac/tenant). */
  grant(namespace: string): Promise<void>;
};

export async function operatorAccess(cp: ControlPlane): Promise<OperatorAccess> {
  const id = await operatorKubeconfig(cp);
  return { kubeconfig: id.path, leaseNamespace: id.namespace, grant: id.grant };
}
