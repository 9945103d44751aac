import { CoreV1Api, CustomObjectsApi, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { configMapReader } from '../../operator/openapi/config-map-reader.ts';
import { OpenApiStage } from '../../operator/openapi/openapi-stage.ts';
import { GROUP, PLURALS, VERSION } from '../../operator/kube/kinds.ts';
import { toResource } from '../../operator/sources/kubernetes-source.ts';
import { emptyResources, KINDS, type AnyResource, type Kind, type Resources } from '../../operator/resources/types.ts';
import { KubeTargetError } from './kube-flags.ts';
import { kubeTarget, type KubeTarget } from './kube-target.ts';
import type { KubeFlags } from './kube-flags.ts';

/** One API server request, given up after `ms` (the target's --request-timeout). */
export async function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeTargetError('Timeout', `${what}: no answer from the API server in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An API server's refusal as one line: who refused what, and the likely cause. */
export function apiError(what: string, e: unknown): Error {
  if (e instanceof KubeTargetError) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 401) return new KubeTargetError('Unauthorized', `${what}: the API server did not accept the kubeconfig's credentials (401)`);
  if (code === 403) return new KubeTargetError('Forbidden', `${what}: forbidden (403): the kubeconfig's user may not do this`);
  if (code === 404) return new KubeTargetError('NotFound', `${what}: not found (404); are the Tollgate CRDs installed (kubectl apply -k crds)?`);
  const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
  return new KubeTargetError('Unreachable', `${what}: ${cause ? `${cause}: ` : ''}${(e as Error).message.split('\n')[0]}`);
}

const listWhat = (kind: Kind, namespace: string | undefined) => `list ${PLURALS[kind]}.${GROUP}${namespace ? ` in namespace ${namespace}` : ''}`;

/** One kind as the API server has it, in a namespace or every one; the API server's own error (or a Timeout) when it fails. */
export async function listKind(api: CustomObjectsApi, kind: Kind, namespace: string | undefined, timeoutMs: number): Promise<AnyResource[]> {
  const plural = PLURALS[kind];
  const req = namespace
    ? api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
    : api.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
  const got = (await withTimeout(listWhat(kind, namespace), req, timeoutMs)) as KubernetesListObject<KubernetesObject>;
  return got.items.map((o) => toResource(kind, o));
}

async function list(api: CustomObjectsApi, kind: Kind, namespace: string | undefined, timeoutMs: number): Promise<AnyResource[]> {
  try {
    return await listKind(api, kind, namespace, timeoutMs);
  } catch (e) {
    throw apiError(listWhat(kind, namespace), e);
  }
}

async function readNamespace(api: CustomObjectsApi, namespace: string | undefined, into: Resources, timeoutMs: number): Promise<void> {
  const [apis, products, applications, subscriptions] = await Promise.all(KINDS.map((k) => list(api, k, namespace, timeoutMs)));
  into.apis.push(...(apis as Resources['apis']));
  into.products.push(...(products as Resources['products']));
  into.applications.push(...(applications as Resources['applications']));
  into.subscriptions.push(...(subscriptions as Resources['subscriptions']));
}

/**
 * The four kinds as the API server has them (defaults applied): in one namespace,
 * plus the namespaces of products its subscriptions name elsewhere (so a
 * cross-namespace subscription is judged on its real product), or everywhere.
 * `namespaces` says which were asked for: the others were read as context.
 */
export interface ClusterRead {
  resources: Resources;
  /** The namespace asked for; undefined when every namespace was. */
  namespaces: Set<string> | undefined;
  /** Namespaces read only as context that could not be read, and why. */
  unreadable: string[];
}

export async function readClusterResources(target: KubeTarget): Promise<ClusterRead> {
  const api = target.kc.makeApiClient(CustomObjectsApi);
  const resources = emptyResources();
  await readNamespace(api, target.namespace, resources, target.timeoutMs);
  if (target.namespace === undefined) return { resources, namespaces: undefined, unreadable: [] };
  const others = new Set(resources.subscriptions.map((s) => s.spec.product.namespace).filter((ns): ns is string => !!ns && ns !== target.namespace));
  const unreadable: string[] = [];
  for (const ns of [...others].sort()) {
    // Whatever did get read of a namespace that fails half way is dropped: a partial namespace would invent missing references.
    const part = emptyResources();
    try {
      await readNamespace(api, ns, part, target.timeoutMs);
    } catch (e) {
      unreadable.push((e as Error).message);
      continue;
    }
    for (const k of ['apis', 'products', 'applications', 'subscriptions'] as const) (resources[k] as AnyResource[]).push(...part[k]);
  }
  return { resources, namespaces: new Set([target.namespace]), unreadable };
}

/** The cluster's objects with their OpenAPI documents (inline or from ConfigMaps), ready for the compiler. */
export async function readClusterForCompile(target: KubeTarget): Promise<ClusterRead> {
  const read = await readClusterResources(target);
  const core = target.kc.makeApiClient(CoreV1Api);
  read.resources.openApi = await new OpenApiStage({ files: false, configMaps: configMapReader(core) }).documents(read.resources.apis);
  return read;
}

/** Reads what the flags name; the one entry point the commands load lazily. */
export async function readClusterFor(flags: KubeFlags): Promise<ClusterRead> {
  return readClusterForCompile(kubeTarget(flags));
}
