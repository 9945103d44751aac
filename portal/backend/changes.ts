import { API_VERSION } from '../../operator/resources/types.ts';
import { invalid } from './portal-error.ts';

/** Every write the portal makes, as a declarative change to one object. */
export type Change =
  | { kind: 'createApplication'; namespace: string; name: string; displayName: string; description?: string; owner: { email: string; name: string } }
  | { kind: 'subscribe'; namespace: string; name: string; application: string; product: { namespace: string; name: string }; plan?: string }
  | { kind: 'unsubscribe'; namespace: string; name: string }
  | { kind: 'addCredential'; namespace: string; application: string; credential: string }
  | { kind: 'revokeCredential'; namespace: string; application: string; credential: string }
  | { kind: 'decide'; namespace: string; name: string; decision: 'Approved' | 'Rejected'; by: string; at: string; reason: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name the portal accepts: a DNS label of at most 63 characters. */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > 63) {
    throw invalid(field, 'must be 1 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit');
  }
  return value;
}

export function checkText(field: string, value: unknown, max: number, required = true): string {
  if (value === undefined || value === '') {
    if (required) throw invalid(field, 'is required');
    return '';
  }
  if (typeof value !== 'string' || value.length > max || hasControlCharacters(value)) throw invalid(field, `must be text of at most ${max} characters`);
  return value.trim();
}

/** The object a create applies, as it would be committed to git. */
export function manifestOf(change: Extract<Change, { kind: 'createApplication' | 'subscribe' }>): Record<string, unknown> {
  const metadata = { name: change.name, namespace: change.namespace, labels: { 'app.kubernetes.io/created-by': 'tollgate-portal' } };
  if (change.kind === 'createApplication') {
    return {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata,
      spec: {
        displayName: change.displayName,
        ...(change.description ? { description: change.description } : {}),
        owner: change.owner,
        credentials: [{ name: 'default' }],
      },
    };
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Subscription',
    metadata,
    spec: { application: change.application, product: change.product, ...(change.plan ? { plan: change.plan } : {}) },
  };
}

/** The kind, namespace and name a change touches. */
export function targetOf(change: Change): { kind: 'Application' | 'Subscription'; namespace: string; name: string } {
  switch (change.kind) {
    case 'createApplication':
      return { kind: 'Application', namespace: change.namespace, name: change.name };
    case 'addCredential':
    case 'revokeCredential':
      return { kind: 'Application', namespace: change.namespace, name: change.application };
    default:
      return { kind: 'Subscription', namespace: change.namespace, name: change.name };
  }
}

/** C0 control characters other than tab and newlines: never in a name, a description or a reason. */
function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}
