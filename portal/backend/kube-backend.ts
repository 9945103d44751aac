import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { PortalView } from '../../operator/portal-view/portal-view.ts';
import type { PortalUser } from '../access/user.ts';
import { kubeRequest, type KubeAnswer } from '../kube/kube-request.ts';
import type { LimitStore } from '../../gateway/limits/types.ts';
import type { Applied, PortalBackend, QuotaUse, RevealedCredential } from './backend.ts';
import { quotaUses } from './quota-usage.ts';
import { manifestOf, targetOf, type Change } from './changes.ts';
import { PortalError } from './portal-error.ts';

const GROUP_PATH = '/apis/tollgate.dev/v1alpha1';
const plural = { Application: 'applications', Subscription: 'subscriptions' } as const;

/** The API server's refusal, as the portal shows it: its status and its message (RBAC's, or the admission policy's). */
function refused(answer: KubeAnswer, what: string): PortalError {
  const message = typeof answer.body.message === 'string' ? answer.body.message : `${what}: HTTP ${answer.status}`;
  const code =
    answer.status === 403
      ? 'forbidden'
      : answer.status === 404
        ? 'not-found'
        : answer.status === 409
          ? 'conflict'
          : answer.status === 422
            ? 'invalid'
            : 'api-server';
  return new PortalError(answer.status >= 400 && answer.status < 600 ? answer.status : 502, code, message);
}

/**
 * The portal in a cluster: the view from the operator, every change applied to
 * the API server as the signed-in developer (impersonation). Edits read the
 * object as the developer and write it back with its resourceVersion, so a
 * concurrent change is a conflict, not a lost update.
 */
export class KubePortalBackend implements PortalBackend {
  readonly mode = 'cluster';
  private readonly kc: KubeConfig;
  private readonly current: () => PortalView;
  private readonly limits: LimitStore | undefined;

  constructor(kc: KubeConfig, view: () => PortalView, limits?: LimitStore) {
    this.kc = kc;
    this.current = view;
    this.limits = limits;
  }

  view(): PortalView {
    return this.current();
  }

  async apply(user: PortalUser, change: Change, dryRun: boolean): Promise<Applied> {
    const { kind, namespace, name } = targetOf(change);
    const collection = `${GROUP_PATH}/namespaces/${encodeURIComponent(namespace)}/${plural[kind]}`;
    const path = `${collection}/${encodeURIComponent(name)}`;
    const dry = dryRun ? '?dryRun=All' : '';
    if (change.kind === 'createApplication' || change.kind === 'subscribe') {
      const object = manifestOf(change);
      const answer = await kubeRequest(this.kc, 'POST', collection + dry, user, object);
      if (answer.status !== 201 && answer.status !== 200) throw refused(answer, `create ${kind} ${namespace}/${name}`);
      return { yaml: stringify(object), target: path, dryRun };
    }
    if (change.kind === 'unsubscribe') {
      const answer = await kubeRequest(this.kc, 'DELETE', path + dry, user);
      if (answer.status !== 200 && answer.status !== 202) throw refused(answer, `delete ${kind} ${namespace}/${name}`);
      return { yaml: `# kubectl delete subscription ${name} -n ${namespace}\n`, target: path, dryRun };
    }
    const got = await kubeRequest(this.kc, 'GET', path, user);
    if (got.status !== 200) throw refused(got, `read ${kind} ${namespace}/${name}`);
    const object = edited(got.body, change);
    const put = await kubeRequest(this.kc, 'PUT', path + dry, user, object);
    if (put.status !== 200) throw refused(put, `update ${kind} ${namespace}/${name}`);
    return { yaml: stringify(cleaned(object)), target: path, dryRun };
  }

  async reveal(user: PortalUser, application: string, credential: string): Promise<RevealedCredential | undefined> {
    const [namespace, name] = application.split('/');
    const app = this.current().applications.find((a) => a.id === application);
    if (!app || !namespace || !name) return undefined;
    // The operator's Secret `<application>.<credential>`, read as the developer: RBAC decides who sees keys.
    const answer = await kubeRequest(
      this.kc,
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(`${name}.${credential}`)}`,
      user,
    );
    if (answer.status !== 200) return undefined;
    const data = (answer.body.data ?? {}) as Record<string, string>;
    if (!data.consumerKey || !data.consumerSecret) return undefined;
    return {
      consumerKey: Buffer.from(data.consumerKey, 'base64').toString('utf8'),
      consumerSecret: Buffer.from(data.consumerSecret, 'base64').toString('utf8'),
    };
  }

  /** From the gateways' shared Redis when the portal is given it (`--redis`); none otherwise. */
  usage(application: string, subscriptions: Parameters<PortalBackend['usage']>[1]): Promise<QuotaUse[]> {
    return quotaUses(this.limits, application, subscriptions, Date.now());
  }

  async settled(done: (view: PortalView) => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!done(this.current())) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }
}

type KubeObject = Record<string, unknown> & { spec?: Record<string, unknown> };

function edited(object: KubeObject, change: Exclude<Change, { kind: 'createApplication' | 'subscribe' | 'unsubscribe' }>): KubeObject {
  const spec = { ...object.spec };
  if (change.kind === 'decide') {
    spec.approval = { decision: change.decision, by: change.by, at: change.at, ...(change.reason ? { reason: change.reason } : {}) };
  } else {
    const credentials = [...((spec.credentials as Array<Record<string, unknown>> | undefined) ?? [{ name: 'default' }])];
    const at = credentials.findIndex((c) => c.name === change.credential);
    if (change.kind === 'addCredential') {
      if (at >= 0) throw new PortalError(409, 'conflict', `credential ${change.credential} already exists`);
      credentials.push({ name: change.credential });
    } else {
      if (at < 0) throw new PortalError(404, 'not-found', `no credential ${change.credential}`);
      credentials[at] = { ...credentials[at], revoked: true };
    }
    spec.credentials = credentials;
  }
  return { ...object, spec };
}

/** What a person would commit: no status, no server-set metadata. */
function cleaned(object: KubeObject): Record<string, unknown> {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: metadata.name, namespace: metadata.namespace, ...(metadata.labels ? { labels: metadata.labels } : {}) },
    spec: object.spec,
  };
}
