import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CREDENTIAL_LABEL, GROUP, PLURALS, VERSION } from '../kube/kinds.ts';
import { superviseInformer, type SupervisedInformer } from '../kube/supervised-informer.ts';
import { API_VERSION, emptyResources, KINDS, type AnyResource, type Kind, type Resources } from '../resources/types.ts';

export interface KubernetesSourceOptions {
  logger: Logger;
  /** Called after any change; the caller coalesces. */
  onChange: () => void;
  onHealth?: (informer: string, healthy: boolean) => void;
}

/** The object as the compiler reads it: the API server already applied the CRD defaults. */
export function toResource(kind: Kind, o: KubernetesObject & { spec?: unknown; status?: unknown }): AnyResource {
  const m = o.metadata!;
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: m.name!,
      namespace: m.namespace!,
      generation: m.generation ?? 1,
      ...(m.creationTimestamp ? { creationTimestamp: new Date(m.creationTimestamp).toISOString() } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    },
    spec: o.spec,
    ...(o.status ? { status: o.status } : {}),
  } as AnyResource;
}

/**
 * The four Tollgate kinds from the cluster, through supervised informers, and the
 * credential Secrets the operator manages, through one informer per namespace
 * that has Applications (the operator holds Secret rights only there).
 */
export class KubernetesSource {
  private readonly kc: KubeConfig;
  private readonly o: KubernetesSourceOptions;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly informers = new Map<Kind, SupervisedInformer<KubernetesObject>>();
  private readonly secretInformers = new Map<string, Promise<SupervisedInformer<V1Secret>>>();

  constructor(kc: KubeConfig, options: KubernetesSourceOptions) {
    this.kc = kc;
    this.o = options;
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    await Promise.all(
      KINDS.map(async (kind) => {
        const plural = PLURALS[kind];
        const list = () => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<KubernetesListObject<KubernetesObject>>;
        const informer = await superviseInformer(this.kc, `/apis/${GROUP}/${VERSION}/${plural}`, list, {
          name: plural,
          logger: this.o.logger,
          onChange: () => {
            if (kind === 'Application') this.ensureSecretInformers();
            this.o.onChange();
          },
          ...(this.o.onHealth ? { onHealth: this.o.onHealth } : {}),
        });
        this.informers.set(kind, informer);
      }),
    );
    this.ensureSecretInformers();
  }

  /** Every watch is up (readiness). */
  healthy(): boolean {
    return [...this.informers.values()].every((i) => i.healthy());
  }

  resources(): Resources {
    const r = emptyResources();
    const list = (kind: Kind) => (this.informers.get(kind)?.cache.list() ?? []).map((o) => toResource(kind, o));
    r.apis = list('API') as Resources['apis'];
    r.products = list('APIProduct') as Resources['products'];
    r.applications = list('Application') as Resources['applications'];
    r.subscriptions = list('Subscription') as Resources['subscriptions'];
    return r;
  }

  /** Namespaces with Applications whose Secrets the operator may not list or watch (not opted in). */
  async forbiddenSecretNamespaces(): Promise<string[]> {
    const entries = await Promise.all([...this.secretInformers].map(async ([ns, p]) => [ns, (await p).forbidden()] as const));
    return entries
      .filter(([, forbidden]) => forbidden)
      .map(([ns]) => ns)
      .sort();
  }

  /** The credential Secrets seen so far, in the namespaces that have Applications. */
  async secrets(): Promise<V1Secret[]> {
    const informers = await Promise.all(this.secretInformers.values());
    return informers.flatMap((i) => i.cache.list());
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await Promise.all([...this.secretInformers.values()].map(async (p) => (await p).stop()));
  }

  private ensureSecretInformers(): void {
    const namespaces = new Set((this.informers.get('Application')?.cache.list() ?? []).map((a) => a.metadata!.namespace!));
    for (const ns of namespaces) {
      if (this.secretInformers.has(ns)) continue;
      const list = () => this.core.listNamespacedSecret({ namespace: ns, labelSelector: CREDENTIAL_LABEL }) as Promise<KubernetesListObject<V1Secret>>;
      this.secretInformers.set(
        ns,
        superviseInformer(
          this.kc,
          `/api/v1/namespaces/${ns}/secrets`,
          list,
          {
            name: `secrets/${ns}`,
            logger: this.o.logger,
            onChange: this.o.onChange,
            // A watch that comes up (or back) with nothing in it emits no event, yet
            // it changes what the operator may do: in a namespace that only now
            // granted Secret rights (config/rbac/tenant), the missing credentials
            // can at last be created. So coming up counts as a change.
            onHealth: (name, healthy) => {
              this.o.onHealth?.(name, healthy);
              // Down is a change too: a refused watch (403) shows in the Applications' status.
              this.o.onChange();
            },
            forbiddenHint: `may not list or watch Secrets in namespace ${ns}: its Applications get no keys until it opts in (kubectl apply -n ${ns} -k config/rbac/tenant, or the chart's operator.tenantNamespaces)`,
          },
          CREDENTIAL_LABEL,
        ),
      );
    }
  }
}
