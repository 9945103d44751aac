import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURALS, VERSION } from '../../operator/kube/kinds.ts';
import type { ApplicationSpec, ApplicationStatus } from '../../operator/resources/types.generated.ts';
import { KEY_FIELD, SECRET_FIELD } from '../../operator/credentials/secret-credentials.ts';
import { apiError, withTimeout } from './cluster-resources.ts';
import { KubeTargetError, type KubeFlags } from './kube-flags.ts';
import { kubeTarget } from './kube-target.ts';

export type CredentialRow = NonNullable<ApplicationStatus['credentials']>[number];

interface Found {
  id: string;
  spec: ApplicationSpec;
  rows: CredentialRow[];
}

/** `ns/name`, or `name` in the -n (else the context's) namespace. */
function split(app: string, namespace: string): [string, string] {
  const slash = app.indexOf('/');
  return slash >= 0 ? [app.slice(0, slash), app.slice(slash + 1)] : [namespace, app];
}

async function application(flags: KubeFlags, app: string): Promise<Found & { core: CoreV1Api; namespace: string; timeoutMs: number }> {
  const target = kubeTarget({ ...flags, allNamespaces: false });
  const [namespace, name] = split(app, target.namespace!);
  const id = `${namespace}/${name}`;
  const what = `get Application ${id}`;
  let obj: { spec: ApplicationSpec; status?: ApplicationStatus };
  try {
    const req = target.kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURALS.Application, name });
    obj = (await withTimeout(what, req, target.timeoutMs)) as typeof obj;
  } catch (e) {
    if ((e as { code?: unknown }).code === 404) throw new KubeTargetError('NotFound', `no Application ${id} in context ${target.context}`);
    throw apiError(what, e);
  }
  return { id, spec: obj.spec, rows: obj.status?.credentials ?? [], core: target.kc.makeApiClient(CoreV1Api), namespace, timeoutMs: target.timeoutMs };
}

/** The credentials the operator reports for an Application: states, prefixes and Secret names, never a key. */
export async function clusterCredentials(flags: KubeFlags, app: string): Promise<{ id: string; rows: CredentialRow[] }> {
  const { id, rows } = await application(flags, app);
  return { id, rows };
}

/**
 * One credential's key and secret, from the Secret its status names (generated
 * or brought, with the fields its secretRef gives): only for `show --reveal`.
 */
export async function revealClusterCredential(
  flags: KubeFlags,
  app: string,
  credential: string,
): Promise<{ id: string; row: CredentialRow; key?: string; secret?: string }> {
  const found = await application(flags, app);
  const row = found.rows.find((r) => r.name === credential);
  if (!row) throw new KubeTargetError('NotFound', `no credential ${credential} in the status of Application ${found.id}`);
  if (!row.secretName) return { id: found.id, row };
  const ref = found.spec.credentials.find((c) => c.name === credential)?.secretRef;
  const what = `get Secret ${found.namespace}/${row.secretName}`;
  try {
    const s = await withTimeout(what, found.core.readNamespacedSecret({ namespace: found.namespace, name: row.secretName }), found.timeoutMs);
    const field = (k: string) => (s.data?.[k] !== undefined ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);
    const key = field(ref?.keyField ?? KEY_FIELD);
    const secret = field(ref?.secretField ?? SECRET_FIELD);
    return { id: found.id, row, ...(key !== undefined ? { key } : {}), ...(secret !== undefined ? { secret } : {}) };
  } catch (e) {
    throw apiError(what, e);
  }
}
