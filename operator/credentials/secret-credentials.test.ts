import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ApplicationResource } from '../resources/types.ts';
import { planSecrets } from './secret-credentials.ts';

const app = (name: string, credentials: string[]): ApplicationResource =>
  ({
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'shop', generation: 1, uid: `uid-${name}` },
    spec: { owner: { email: 'a@b.c' }, credentials: credentials.map((c) => ({ name: c })) },
  }) as unknown as ApplicationResource;

const secret = (application: string, credential: string, managedBy = 'tollgate'): V1Secret => ({
  metadata: {
    name: `${application}.${credential}`,
    namespace: 'shop',
    labels: { 'tollgate.dev/credential': credential, 'tollgate.dev/application': application, 'app.kubernetes.io/managed-by': managedBy },
  },
});

describe('planSecrets', () => {
  it.each([
    {
      what: 'a credential left the spec of an Application still there: its Secret goes',
      apps: [app('a', ['new'])],
      secrets: [secret('a', 'old')],
      removed: ['a.old'],
    },
    { what: 'an Application that is gone: its Secrets are left to the garbage collector', apps: [], secrets: [secret('a', 'default')], removed: [] },
    { what: 'a Secret the operator did not make is never removed', apps: [app('a', [])], secrets: [secret('a', 'x', 'someone')], removed: [] },
    { what: 'a wanted Secret stays', apps: [app('a', ['default'])], secrets: [secret('a', 'default')], removed: [] },
  ])('$what', ({ apps, secrets, removed }) => {
    expect(planSecrets(apps, secrets).remove.map((s) => s.metadata!.name)).toEqual(removed);
  });

  it('creates the Secret a new credential needs', () => {
    expect(planSecrets([app('a', ['default'])], []).create.map((c) => `${c.app.metadata.name}.${c.credential}`)).toEqual(['a.default']);
  });
});
