import { CustomObjectsApi } from '@kubernetes/client-node';
import { emptyResources, type Resources } from '../../operator/resources/types.ts';
import { catalogOf, type Catalog } from '../../usage/catalog.ts';
import { listKind } from './cluster-resources.ts';
import type { KubeTarget } from './kube-target.ts';

/**
 * Owners and plan pricing from the cluster's APIProducts and Applications (a list of
 * each, read once), for an invoice run as a CronJob; the ServiceAccount needs list
 * on those two kinds only. The API server has applied the CRD defaults already.
 */
export async function clusterCatalog(target: KubeTarget): Promise<Catalog> {
  const api = target.kc.makeApiClient(CustomObjectsApi);
  const [products, applications] = await Promise.all([
    listKind(api, 'APIProduct', undefined, target.timeoutMs),
    listKind(api, 'Application', undefined, target.timeoutMs),
  ]);
  const r: Resources = emptyResources();
  r.products = products as Resources['products'];
  r.applications = applications as Resources['applications'];
  return catalogOf(r);
}
