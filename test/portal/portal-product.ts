// A product as the portal sees it (the operator's portal view), public, auto-approved
// and with nothing in it unless a test says otherwise.
import type { PortalProduct } from '../../operator/portal-view/portal-view.ts';

export function portalProduct(namespace: string, name: string, more: Partial<PortalProduct> = {}): PortalProduct {
  return {
    id: `${namespace}/${name}`,
    namespace,
    name,
    displayName: name,
    description: '',
    access: 'public',
    allowedNamespaces: [],
    approvalType: 'auto',
    categories: [],
    tags: [],
    plans: [],
    defaultPlan: '',
    apis: [],
    accepted: true,
    ...more,
  };
}
