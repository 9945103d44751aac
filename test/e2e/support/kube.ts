// Reading Tollgate objects and credential Secrets back with the real kubectl.
import type { ControlPlane } from '../../control-plane/control-plane.ts';
import { until } from '../../support/wait.ts';

export type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number };
export type KubeObject = {
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    generation: number;
    uid: string;
    managedFields?: Array<{ manager: string; operation: string; subresource?: string; fieldsV1?: unknown }>;
  };
  spec: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Condition[]; phase?: string; [k: string]: unknown };
};

export const TOLLGATE_KINDS = 'apis.tollgate.dev,apiproducts.tollgate.dev,applications.tollgate.dev,subscriptions.tollgate.dev';

/** Every Tollgate object in a namespace (or, with namespace undefined, in all of them). */
export async function tollgateObjects(cp: ControlPlane, namespace?: string, o: { managedFields?: boolean } = {}): Promise<KubeObject[]> {
  const args = ['get', TOLLGATE_KINDS, ...(namespace ? ['-n', namespace] : ['-A']), '-o', 'json', ...(o.managedFields ? ['--show-managed-fields'] : [])];
  return (JSON.parse(await cp.kubectlOk(args, { timeoutMs: 120_000 })) as { items: KubeObject[] }).items;
}

export const conditionOf = (o: KubeObject, type: string) => o.status?.conditions?.find((c) => c.type === type);

/** `Kind ns/name: Accepted=True ...` for each object not yet Accepted and Programmed at its generation, for messages. */
export function notReady(objects: KubeObject[], types = ['Accepted', 'Programmed']): string[] {
  return objects.flatMap((o) => {
    const bad = types.filter((t) => conditionOf(o, t)?.status !== 'True' || o.status?.observedGeneration !== o.metadata.generation);
    if (!bad.length) return [];
    const says = (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}(${c.reason})`).join(' ') || 'no status';
    return [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${says}`];
  });
}

/** The consumer key in a credential Secret, once it exists. */
export async function consumerKey(cp: ControlPlane, namespace: string, secret: string, timeoutMs = 30_000): Promise<string> {
  const { value } = await until(
    `Secret ${namespace}/${secret}`,
    async () => {
      const r = await cp.kubectl(['get', 'secret', secret, '-n', namespace, '-o', 'jsonpath={.data.consumerKey}']);
      return r.code === 0 && r.stdout ? Buffer.from(r.stdout, 'base64').toString() : undefined;
    },
    timeoutMs,
    100,
  );
  return value;
}

export type SecretItem = {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; ownerReferences?: Array<{ name: string; uid: string }> };
  data?: Record<string, string>;
};

export async function credentialSecrets(cp: ControlPlane, namespace: string): Promise<SecretItem[]> {
  const out = await cp.kubectlOk(['get', 'secrets', '-n', namespace, '-l', 'tollgate.dev/credential', '-o', 'json'], { timeoutMs: 120_000 });
  return (JSON.parse(out) as { items: SecretItem[] }).items;
}

export const decodeKey = (s: SecretItem) => Buffer.from(s.data?.consumerKey ?? '', 'base64').toString();

/** One condition of `resource` (`apiproduct/hello`) as kubectl reads it; empty before the object has it. */
export async function readCondition(
  cp: ControlPlane,
  namespace: string,
  resource: string,
  type: string,
): Promise<{ status?: string; reason?: string; message?: string }> {
  const out = await cp.kubectlOk(['get', resource, '-n', namespace, '-o', `jsonpath={.status.conditions[?(@.type=="${type}")]}`]);
  return out ? JSON.parse(out) : {};
}
