import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { GROUP, PLURALS, VERSION } from '../operator/kube/kinds.ts';
import { API_VERSION, emptyResources, type Resources } from '../operator/resources/types.ts';
import { catalogOf, type Catalog } from './catalog.ts';

type Listed = KubernetesObject & { spec?: unknown };

/**
 * Owners and plan pricing from the cluster's APIProducts and Applications (a list of
 * each, read once), for an invoice run as a CronJob; the ServiceAccount needs list
 * on those two kinds only. The API server has applied the CRD defaults already.
 */
export async function clusterCatalog(kc: KubeConfig): Promise<Catalog> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = async (kind: 'APIProduct' | 'Application') => {
    const answer = (await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURALS[kind] })) as KubernetesListObject<Listed>;
    return answer.items.map((o) => ({
      apiVersion: API_VERSION,
      kind,
      metadata: { name: o.metadata!.name!, namespace: o.metadata!.namespace!, generation: o.metadata!.generation ?? 1 },
      spec: o.spec,
    }));
  };
  const [products, applications] = await Promise.all([list('APIProduct'), list('Application')]);
  const r: Resources = emptyResources();
  r.products = products as unknown as Resources['products'];
  r.applications = applications as unknown as Resources['applications'];
  return catalogOf(r);
}
