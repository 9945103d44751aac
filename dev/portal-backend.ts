import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import type { LimitStore } from '../gateway/limits/types.ts';
import type { PortalView } from '../operator/portal-view/portal-view.ts';
import { addCredential, revokeCredential } from '../operator/credentials/edit-application-yaml.ts';
import type { PortalUser } from '../portal/access/user.ts';
import type { Applied, PortalBackend, QuotaUse, RevealedCredential } from '../portal/backend/backend.ts';
import { manifestOf, targetOf, type Change } from '../portal/backend/changes.ts';
import { notFound, PortalError } from '../portal/backend/portal-error.ts';
import { quotaUses } from '../portal/backend/quota-usage.ts';
import type { DevCredentialStore } from './dev-credential-store.ts';
import { documentsText, findObjectDocument, removeDocument, saveDocuments } from './edit-yaml-object.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export interface DevPortalBackendOptions {
  /** The watched paths, where existing objects are found and edited. */
  paths: string[];
  /** Where new objects go: `<portalDir>/<namespace>/<kind>-<name>.yaml`, inside a watched path. */
  portalDir: string;
  defaultNamespace: string;
  view: () => PortalView;
  credentials: DevCredentialStore;
  limitStore: LimitStore;
  clock: () => Date;
}

/**
 * `tollgate dev`'s portal backend: every action is a YAML file written into the
 * watched directory (or an edit of the document that defines the object), which
 * the directory source picks up like any other edit. Who may do what the portal
 * decides here, since there is no API server: the same namespace rules its
 * RBAC would state.
 */
export class DevPortalBackend implements PortalBackend {
  readonly mode = 'dev';
  private readonly o: DevPortalBackendOptions;

  constructor(o: DevPortalBackendOptions) {
    this.o = o;
  }

  view(): PortalView {
    return this.o.view();
  }

  async apply(user: PortalUser, change: Change, dryRun: boolean): Promise<Applied> {
    const target = targetOf(change);
    if (change.kind !== 'decide' && !user.teams.includes(target.namespace)) throw notFound(`${target.kind} ${target.namespace}/${target.name}`);
    if (change.kind === 'decide' && !user.approver) throw new PortalError(403, 'forbidden', 'only members of the approvers group may decide on subscriptions');
    if (change.kind === 'createApplication' || change.kind === 'subscribe') return this.create(change, dryRun);
    const found = findObjectDocument([...this.o.paths, this.o.portalDir], target.kind, target.namespace, target.name, this.o.defaultNamespace);
    if (!found) throw notFound(`${target.kind} ${target.namespace}/${target.name}`);
    const where = relative(process.cwd(), found.file);
    if (change.kind === 'unsubscribe') {
      if (!dryRun) removeDocument(found);
      return { yaml: `# deleted from ${where}\n${found.doc.toString()}`, target: where, dryRun };
    }
    try {
      if (change.kind === 'addCredential') addCredential(found.doc, change.credential);
      else if (change.kind === 'revokeCredential') revokeCredential(found.doc, change.credential);
      else
        found.doc.setIn(
          ['spec', 'approval'],
          found.doc.createNode({ decision: change.decision, by: change.by, at: change.at, ...(change.reason ? { reason: change.reason } : {}) }),
        );
    } catch (e) {
      throw new PortalError(409, 'conflict', (e as Error).message, { cause: e });
    }
    if (!dryRun) saveDocuments(found);
    return { yaml: documentsText([found.doc]), target: where, dryRun };
  }

  private create(change: Extract<Change, { kind: 'createApplication' | 'subscribe' }>, dryRun: boolean): Applied {
    const { kind, namespace, name } = targetOf(change);
    const view = this.o.view();
    const exists =
      kind === 'Application' ? view.applications.some((a) => a.id === `${namespace}/${name}`) : view.subscriptions.some((s) => s.id === `${namespace}/${name}`);
    const dir = join(this.o.portalDir, namespace);
    const file = join(dir, `${kind.toLowerCase()}-${name}.yaml`);
    if (exists || existsSync(file)) throw new PortalError(409, 'already-exists', `${kind} ${namespace}/${name} already exists`);
    const yaml = stringify(manifestOf(change));
    if (!dryRun) {
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(file, `# Written by the Tollgate portal (tollgate dev).\n${yaml}`, 0o644);
    }
    return { yaml, target: relative(process.cwd(), file), dryRun };
  }

  async reveal(user: PortalUser, application: string, credential: string): Promise<RevealedCredential | undefined> {
    if (!user.teams.includes(application.split('/')[0]!)) return undefined;
    return this.o.credentials.reveal(application, credential);
  }

  usage(application: string, subscriptions: Parameters<PortalBackend['usage']>[1]): Promise<QuotaUse[]> {
    return quotaUses(this.o.limitStore, application, subscriptions, this.o.clock().getTime());
  }

  async settled(done: (view: PortalView) => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!done(this.o.view())) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  }
}
