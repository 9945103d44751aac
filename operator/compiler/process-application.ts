import type { Application, Credential } from '../../gateway/snapshot/types.ts';
import { namespacedId, objectId } from '../resources/object-key.ts';
import type { ApplicationResource, CredentialView } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { parseDuration } from './durations.ts';
import { objectStatus, type ObjectStatus } from './object-status.ts';
import { precedence, sortByAge } from './order.ts';
import { applicationPolicies } from './process-application-policies.ts';

/** Where the Secrets of bring-your-own keys were looked up (see CompileOptions.secrets). */
export type SecretSource = 'cluster' | 'dev' | 'absent';

export type CredentialState = 'Active' | 'Pending' | 'Expired' | 'Revoked' | 'Invalid';

export interface CredentialStatus {
  name: string;
  state: CredentialState;
  keyPrefix?: string;
  secretName?: string;
  issuedAt?: string;
  expiresAt?: string;
}

export interface ApplicationOutcome {
  resource: ApplicationResource;
  application: Application;
  conditions: ConditionSet;
  credentials: CredentialStatus[];
  /** Its place in the snapshot's applications (sorted by id), set once they are sorted; -1 before. */
  rank: number;
}

/** When the credential expires, in milliseconds since the epoch (NaN for a date that cannot be read); undefined if never. */
function expiry(spec: ApplicationResource['spec']['credentials'][number], view: CredentialView): number | undefined {
  if (spec.expiresAt) return new Date(spec.expiresAt).getTime();
  if (spec.expiresIn) {
    const ms = parseDuration(spec.expiresIn);
    if (ms !== undefined) return Date.parse(view.issuedAt) + ms;
  }
  return undefined;
}

function unresolvedSecret(r: ApplicationResource, i: number, secrets: SecretSource, cs: ConditionSet): void {
  const ref = r.spec.credentials[i]!.secretRef!;
  const secret = namespacedId(r.metadata.namespace, ref.name);
  const about = { field: `spec.credentials[${i}].secretRef`, ref: { kind: 'Secret', id: secret } } as const;
  if (secrets === 'absent') {
    cs.note(
      Reason.RefNotChecked,
      `Secret ${secret} is not checked outside a cluster; the operator reports it if it is missing or lacks ${ref.keyField}`,
      about,
    );
  } else if (secrets === 'dev') {
    cs.unresolved(
      Reason.RefNotFound,
      `Secret ${secret} not found in the state directory (secrets/${r.metadata.namespace}/${ref.name}.yaml), or it lacks ${ref.keyField}`,
      about,
    );
  } else cs.unresolved(Reason.RefNotFound, `Secret ${secret} not found, or it lacks ${ref.keyField}`, about);
}

/**
 * Credential views by application: each application's last view, and each view's previous one of the same
 * application. No `id/name` string per credential and no object per application; a lookup walks only the
 * views of one application (newest first, so the last of two views of one credential wins, as it always has).
 */
interface ViewIndex {
  views: CredentialView[];
  last: Map<string, number>;
  previous: Int32Array;
}

/** A view's application and credential name, split where an `application/name` key would be (spec names hold no /). */
function viewApplication(v: CredentialView): string {
  if (!v.name.includes('/')) return v.application;
  const key = `${v.application}/${v.name}`;
  return key.slice(0, key.lastIndexOf('/'));
}
function viewName(v: CredentialView): string {
  return v.name.includes('/') ? v.name.slice(v.name.lastIndexOf('/') + 1) : v.name;
}

function indexViews(views: CredentialView[]): ViewIndex {
  const last = new Map<string, number>();
  const previous = new Int32Array(views.length);
  for (let i = 0; i < views.length; i++) {
    const application = viewApplication(views[i]!);
    previous[i] = last.get(application) ?? -1;
    last.set(application, i);
  }
  return { views, last, previous };
}

/** The view of credential `name` among the views from `last` (an application's last view) back. */
function findView(index: ViewIndex, last: number, name: string): CredentialView | undefined {
  for (let i = last; i >= 0; i = index.previous[i]!) {
    const v = index.views[i]!;
    if (viewName(v) === name) return v;
  }
  return undefined;
}

function compileCredentials(r: ApplicationResource, id: string, views: ViewIndex, now: Date, secrets: SecretSource, cs: ConditionSet) {
  const specs = r.spec.credentials;
  // Exact length up front (trimmed below if a credential has no key yet): these arrays live as long as the snapshot and
  // statuses, and a pushed-to array keeps room for 17 items, which cost a second, copied array per application.
  const credentials = new Array<Credential>(specs.length);
  const statuses = new Array<CredentialStatus>(specs.length);
  let issued = 0;
  const last = views.last.get(id) ?? -1;
  for (let i = 0; i < specs.length; i++) {
    const c = specs[i]!;
    const view = findView(views, last, c.name);
    const byo = c.secretRef?.name;
    if (!view || (byo && view.secretName !== byo)) {
      if (byo) {
        unresolvedSecret(r, i, secrets, cs);
        // Unknown rather than wrong when there is nowhere to look.
        statuses[i] = { name: c.name, state: secrets === 'absent' ? (c.revoked ? 'Revoked' : 'Pending') : 'Invalid' };
      } else statuses[i] = { name: c.name, state: c.revoked ? 'Revoked' : 'Pending' };
      continue;
    }
    const expires = expiry(c, view);
    // toISOString throws on an unreadable date, as it always has here.
    const expiresAt = expires === undefined ? undefined : new Date(expires).toISOString();
    const state: CredentialState = c.revoked ? 'Revoked' : expires !== undefined && expires <= now.getTime() ? 'Expired' : 'Active';
    // One literal per shape, fields in the order the snapshot and status have always had: an object grown field by field costs a second allocation.
    const { name, revoked } = c;
    const { keyHash, secretHash, keyPrefix, secretName, issuedAt } = view;
    credentials[issued++] = secretHash
      ? expiresAt
        ? { name, keyHash, revoked, secretHash, expiresAt }
        : { name, keyHash, revoked, secretHash }
      : expiresAt
        ? { name, keyHash, revoked, expiresAt }
        : { name, keyHash, revoked };
    statuses[i] = secretName
      ? expiresAt
        ? { name, state, keyPrefix, secretName, issuedAt, expiresAt }
        : { name, state, keyPrefix, secretName, issuedAt }
      : expiresAt
        ? { name, state, keyPrefix, issuedAt, expiresAt }
        : { name, state, keyPrefix, issuedAt };
  }
  credentials.length = issued;
  return { credentials, statuses };
}

/**
 * An owner is a developer within one namespace: the namespace is the tenancy
 * boundary, so one team's Application cannot suspend another team's developer.
 * Email domains are case-insensitive and people type local parts either way.
 */
function ownerKey(r: ApplicationResource): string {
  return `${r.metadata.namespace} ${r.spec.owner.email.toLowerCase()}`;
}

/**
 * Compiles applications with the credential hashes the store holds. An external
 * client ID claimed by two applications goes to the older one. An owner
 * suspended on any of their Applications suspends all of them.
 */
export function processApplications(
  resources: ApplicationResource[],
  views: CredentialView[],
  now: Date,
  secrets: SecretSource = 'cluster',
  secretsForbidden: readonly string[] = [],
): Map<string, ApplicationOutcome> {
  const byCredential = indexViews(views);
  const externalOwners = new Map<string, ApplicationResource>();
  const outcomes = new Map<string, ApplicationOutcome>();
  const suspendedOwners = new Map<string, ApplicationResource[]>();
  const certificateOwners = new Map<string, ApplicationResource>();
  const ordered = sortByAge(resources);
  for (let i = 0; i < ordered.length; i++) {
    const r = ordered[i]!;
    if (!r.spec.owner.suspended) continue;
    const list = suspendedOwners.get(ownerKey(r));
    if (list) list.push(r);
    else suspendedOwners.set(ownerKey(r), [r]);
  }
  for (let i = 0; i < ordered.length; i++) {
    const r = ordered[i]!;
    const id = objectId(r);
    const conditions = new ConditionSet(r.metadata.generation);
    const { credentials, statuses } = compileCredentials(r, id, byCredential, now, secrets, conditions);
    if (secretsForbidden.length && secretsForbidden.includes(r.metadata.namespace) && statuses.some((s) => s.state === 'Pending'))
      conditions.unresolved(
        Reason.SecretsForbidden,
        `the operator may not read or create Secrets in namespace ${r.metadata.namespace}, so these credentials get no keys: opt the namespace in (kubectl apply -n ${r.metadata.namespace} -k config/rbac/tenant, or the chart's operator.tenantNamespaces)`,
        { field: 'spec.credentials' },
      );
    const externalClients = [];
    const claimed = r.spec.externalClients ?? [];
    for (let j = 0; j < claimed.length; j++) {
      const ec = claimed[j]!;
      const key = `${ec.issuer} ${ec.clientId}`;
      const owner = externalOwners.get(key);
      if (owner) {
        conditions.caveat(
          Reason.PartialConflict,
          `external client ${ec.clientId} of ${ec.issuer} belongs to Application ${objectId(owner)}, ${precedence(owner, r)}`,
        );
        continue;
      }
      externalOwners.set(key, r);
      externalClients.push({ issuer: ec.issuer, clientId: ec.clientId });
    }
    const application: Application = {
      id,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      credentials,
      externalClients,
    };
    if (r.spec.clientCertificates || r.spec.quota || r.spec.ipAccess) applicationPolicies(r, application, conditions, certificateOwners);
    // Most estates suspend nobody: skip building the owner key then.
    const suspendedBy = suspendedOwners.size ? suspendedOwners.get(ownerKey(r)) : undefined;
    if (r.spec.suspended) {
      application.suspended = 'Application';
      conditions.acceptedMessage('suspended: every request is refused');
    } else if (suspendedBy) {
      application.suspended = 'Owner';
      const named =
        suspendedBy
          .slice(0, 3)
          .map((a) => `Application ${objectId(a)}`)
          .join(', ') + (suspendedBy.length > 3 ? ` and ${suspendedBy.length - 3} more` : '');
      const where = r.spec.owner.suspended ? '' : ` (spec.owner.suspended on ${named})`;
      conditions.acceptedMessage(`suspended with its owner ${r.spec.owner.email}${where}: every request is refused`);
    }
    outcomes.set(id, { resource: r, application, conditions, credentials: statuses, rank: -1 });
  }
  return outcomes;
}

export function applicationStatus(o: ApplicationOutcome): ObjectStatus {
  const observedGeneration = o.resource.metadata.generation;
  return objectStatus(o.resource, { observedGeneration, conditions: o.conditions.conditions(false), credentials: o.credentials });
}
