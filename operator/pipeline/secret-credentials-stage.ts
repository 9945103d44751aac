import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { applySecretPlan, credentialViews, planSecrets, type SecretPlan, type SecretPlanResult } from '../credentials/secret-credentials.ts';
import type { CredentialView, Resources } from '../resources/types.ts';
import { credentialEvents } from '../status/credential-events.ts';
import type { ObjectEvent } from '../status/status-events.ts';
import type { OperatorMetrics } from './operator-metrics.ts';

export interface SecretCredentialsOptions {
  core: CoreV1Api;
  logger: Logger;
  metrics: Pick<OperatorMetrics, 'secretWrites'>;
  emit: (e: ObjectEvent) => void;
}

/**
 * The operator's credentials stage: the leader creates the Secrets new
 * credentials need and deletes those no Application wants; every replica then
 * reads the credentials from the Secrets it saw.
 */
export async function secretCredentials(
  resources: Resources,
  secrets: V1Secret[],
  now: Date,
  leading: boolean,
  o: SecretCredentialsOptions,
): Promise<CredentialView[]> {
  let seen = secrets;
  if (leading) {
    const plan = planSecrets(resources.applications, secrets);
    if (plan.create.length || plan.remove.length) {
      const done = await applySecretPlanConcurrently(o.core, plan, now, 8);
      // The new keys go into this compile: waiting for the informer to report the Secrets would cost a second
      // hold-off and reconcile (about 100 ms) between `kubectl apply` and the first request the gateway accepts.
      if (done.createdSecrets.length) seen = [...secrets, ...done.createdSecrets];
      o.metrics.secretWrites.inc({ action: 'create' }, done.created.length);
      o.metrics.secretWrites.inc({ action: 'delete' }, done.removed.length);
      // Never the key: only which Secret.
      if (done.created.length) o.logger.info({ secrets: done.created }, 'created credential Secrets');
      if (done.failed.length) o.logger.warn({ failed: done.failed.slice(0, 10) }, 'credential Secret writes failed');
      for (const e of credentialEvents(plan, done)) o.emit(e);
    }
  }
  return credentialViews(resources.applications, seen);
}

/**
 * A burst of new Applications means hundreds of Secrets to create; one at a time
 * that is a round trip each (about 50 a second on a busy 2-core machine). A few
 * at once, each slice still in plan order.
 */
async function applySecretPlanConcurrently(core: CoreV1Api, plan: SecretPlan, now: Date, concurrency: number): Promise<SecretPlanResult> {
  const slices: SecretPlan[] = Array.from({ length: Math.max(1, Math.min(concurrency, plan.create.length)) }, (_, i) => ({
    create: plan.create.filter((_, j) => j % concurrency === i),
    remove: i === 0 ? plan.remove : [],
  }));
  const results = await Promise.all(slices.map((slice) => applySecretPlan(core, slice, now)));
  return {
    created: results.flatMap((r) => r.created),
    createdSecrets: results.flatMap((r) => r.createdSecrets),
    removed: results.flatMap((r) => r.removed),
    failed: results.flatMap((r) => r.failed),
  };
}
