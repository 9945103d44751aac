import { createHash, randomBytes } from 'node:crypto';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { APPLICATION_LABEL, CREDENTIAL_LABEL, ISSUED_AT_ANNOTATION } from '../kube/kinds.ts';
import { objectId, type ApplicationResource, type CredentialView } from '../resources/types.ts';
import { hashCredential, keyPrefixOf, newConsumerKey, newConsumerSecret, type RandomSource } from './key-format.ts';

export const KEY_FIELD = 'consumerKey';
export const SECRET_FIELD = 'consumerSecret';

/** `<application>.<credential>`: credential names have no dots, so this cannot collide. */
export function generatedSecretName(application: string, credential: string): string {
  const name = `${application}.${credential}`;
  if (name.length <= 253) return name;
  return `${application.slice(0, 200)}.${createHash('sha256').update(name).digest('hex').slice(0, 16)}.${credential}`.slice(0, 253);
}

const decode = (s: V1Secret, field: string): string | undefined => {
  const v = s.data?.[field];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8').trim();
};

/**
 * The hash view of every credential whose key is in a Secret: the operator's
 * generated ones, and those the user brings (`secretRef`, a Secret labelled
 * tollgate.dev/credential in the Application's namespace).
 */
export function credentialViews(applications: ApplicationResource[], secrets: V1Secret[]): CredentialView[] {
  const byName = new Map(secrets.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
  const views: CredentialView[] = [];
  for (const app of applications) {
    for (const c of app.spec.credentials) {
      const secretName = c.secretRef?.name ?? generatedSecretName(app.metadata.name, c.name);
      const secret = byName.get(`${app.metadata.namespace}/${secretName}`);
      if (!secret) continue;
      const key = decode(secret, c.secretRef?.keyField ?? KEY_FIELD);
      if (!key) continue;
      const secretValue = decode(secret, c.secretRef?.secretField ?? SECRET_FIELD);
      const issuedAt = secret.metadata?.annotations?.[ISSUED_AT_ANNOTATION] ?? secret.metadata?.creationTimestamp;
      views.push({
        application: objectId(app),
        name: c.name,
        keyHash: hashCredential(key),
        ...(secretValue ? { secretHash: hashCredential(secretValue) } : {}),
        keyPrefix: keyPrefixOf(key),
        issuedAt: issuedAt ? new Date(issuedAt).toISOString() : new Date(0).toISOString(),
        secretName,
      });
    }
  }
  return views;
}

/** The Secret for a credential that has none yet, owned by its Application so it goes when the app goes. */
export function newCredentialSecret(app: ApplicationResource, credential: string, now: Date, random: RandomSource = randomBytes): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: generatedSecretName(app.metadata.name, credential),
      namespace: app.metadata.namespace,
      labels: { [CREDENTIAL_LABEL]: credential, [APPLICATION_LABEL]: app.metadata.name, 'app.kubernetes.io/managed-by': 'tollgate' },
      annotations: { [ISSUED_AT_ANNOTATION]: now.toISOString() },
      ownerReferences: [
        { apiVersion: app.apiVersion, kind: 'Application', name: app.metadata.name, uid: app.metadata.uid!, controller: true, blockOwnerDeletion: false },
      ],
    },
    stringData: { [KEY_FIELD]: newConsumerKey(random), [SECRET_FIELD]: newConsumerSecret(random) },
  };
}

export interface SecretPlan {
  create: Array<{ app: ApplicationResource; credential: string }>;
  /**
   * Generated Secrets whose credential left the spec of an Application that is
   * still there. The Secrets of an Application that is gone are the garbage
   * collector's (owner references): an Application missing from a watch (its
   * CRD deleted, a relist gone wrong) must never cost its consumers their keys.
   */
  remove: V1Secret[];
}

/** What to create and delete so every generated credential has exactly one Secret. Pure. */
export function planSecrets(applications: ApplicationResource[], secrets: V1Secret[]): SecretPlan {
  const existing = new Set(secrets.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`));
  const wanted = new Set<string>();
  const create: SecretPlan['create'] = [];
  for (const app of applications) {
    if (!app.metadata.uid) continue;
    for (const c of app.spec.credentials) {
      if (c.secretRef) continue;
      const name = `${app.metadata.namespace}/${generatedSecretName(app.metadata.name, c.name)}`;
      wanted.add(name);
      if (!existing.has(name) && !c.revoked) create.push({ app, credential: c.name });
    }
  }
  const present = new Set(applications.map((a) => `${a.metadata.namespace}/${a.metadata.name}`));
  const remove = secrets.filter(
    (s) =>
      s.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'tollgate' &&
      !wanted.has(`${s.metadata?.namespace}/${s.metadata?.name}`) &&
      present.has(`${s.metadata?.namespace}/${s.metadata?.labels?.[APPLICATION_LABEL]}`),
  );
  return { create, remove };
}

export interface SecretPlanResult {
  created: string[];
  /** The created Secrets as the API server returned them: their keys are served at once, not after the informer sees them. */
  createdSecrets: V1Secret[];
  removed: string[];
  /**
   * Writes refused for other reasons, typically 403 in a namespace that has not
   * granted the operator Secret rights (config/rbac/tenant). They do not stop the
   * rest of the plan: one namespace must not hold up every other's credentials.
   */
  failed: Array<{ secret: string; action: 'create' | 'delete'; code?: number; error: string }>;
}

/** Applies a plan; AlreadyExists and NotFound mean another writer got there first, which is fine. */
export async function applySecretPlan(core: CoreV1Api, plan: SecretPlan, now: Date): Promise<SecretPlanResult> {
  const result: SecretPlanResult = { created: [], createdSecrets: [], removed: [], failed: [] };
  const fail = (secret: string, action: 'create' | 'delete', e: unknown) => {
    const code = (e as { code?: number }).code;
    // The message is the API server's Status text; the request body (the key) is never part of it.
    result.failed.push({ secret, action, ...(code ? { code } : {}), error: String((e as Error).message ?? e).slice(0, 300) });
  };
  for (const { app, credential } of plan.create) {
    const body = newCredentialSecret(app, credential, now);
    const id = `${app.metadata.namespace}/${body.metadata!.name}`;
    try {
      result.createdSecrets.push(await core.createNamespacedSecret({ namespace: app.metadata.namespace, body }));
      result.created.push(id);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) fail(id, 'create', e);
    }
  }
  for (const s of plan.remove) {
    const id = `${s.metadata!.namespace}/${s.metadata!.name}`;
    try {
      await core.deleteNamespacedSecret({ namespace: s.metadata!.namespace!, name: s.metadata!.name! });
      result.removed.push(id);
    } catch (e) {
      if ((e as { code?: number }).code !== 404) fail(id, 'delete', e);
    }
  }
  return result;
}
