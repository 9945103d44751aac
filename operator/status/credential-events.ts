import { generatedSecretName, type SecretPlan, type SecretPlanResult } from '../credentials/secret-credentials.ts';
import { APPLICATION_LABEL } from '../kube/kinds.ts';
import { namespacedId } from '../resources/object-key.ts';
import type { ObjectEvent } from './status-events.ts';

/**
 * Events on the Application for what happened to its credential Secrets: one
 * generated, one deleted with its credential, or one the operator may not write
 * (typically a namespace that has not granted it Secret rights). Only what this
 * replica did: a Secret another writer created first is no news.
 */
export function credentialEvents(plan: SecretPlan, done: Omit<SecretPlanResult, 'createdSecrets'>): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  const on = (namespace: string, name: string, e: Pick<ObjectEvent, 'type' | 'reason' | 'action' | 'note'>) =>
    events.push({ kind: 'Application', namespace, name, ...e });
  const created = new Set(done.created);
  const owner = new Map<string, string>();
  for (const { app, credential } of plan.create) {
    const secret = generatedSecretName(app.metadata.name, credential);
    owner.set(namespacedId(app.metadata.namespace, secret), app.metadata.name);
    if (created.has(namespacedId(app.metadata.namespace, secret))) {
      on(app.metadata.namespace, app.metadata.name, {
        type: 'Normal',
        reason: 'CredentialCreated',
        action: 'CreateSecret',
        note: `generated credential ${credential} into Secret ${secret}`,
      });
    }
  }
  const removed = new Set(done.removed);
  for (const s of plan.remove) {
    const id = namespacedId(s.metadata!.namespace!, s.metadata!.name!);
    const app = s.metadata?.labels?.[APPLICATION_LABEL];
    if (!app) continue;
    owner.set(id, app);
    if (removed.has(id)) {
      on(s.metadata!.namespace!, app, {
        type: 'Normal',
        reason: 'CredentialRemoved',
        action: 'DeleteSecret',
        note: `deleted Secret ${s.metadata!.name}: its credential is no longer in the spec`,
      });
    }
  }
  for (const f of done.failed) {
    const app = owner.get(f.secret);
    if (!app) continue;
    const [namespace, secret] = f.secret.split('/') as [string, string];
    on(namespace, app, {
      type: 'Warning',
      reason: 'CredentialSecretFailed',
      action: f.action === 'delete' ? 'DeleteSecret' : 'CreateSecret',
      note: `cannot ${f.action} Secret ${secret}: ${f.error}`,
    });
  }
  return events;
}
