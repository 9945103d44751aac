// The credentials stage against a real kube-apiserver: a Secret the leader creates is in the views it returns at once,
// so the compile of that same reconcile serves the key (not the next one, after the informer reports the Secret).
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../../test/control-plane/vitest-hooks.ts';
import { hashCredential } from '../credentials/key-format.ts';
import type { ApplicationResource, Resources } from '../resources/types.ts';
import { secretCredentials } from './secret-credentials-stage.ts';

const env = useControlPlane();

function core(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(env.cp.kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
}

const application = (namespace: string, name: string): ApplicationResource =>
  ({
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace, generation: 1, uid: `uid-${name}` },
    spec: { owner: { email: 'dev@example.com' }, credentials: [{ name: 'default' }] },
  }) as unknown as ApplicationResource;

describe('the credentials stage', () => {
  it('returns the view of a Secret it just created, with the hash of the key the API server stored', async () => {
    const namespace = env.namespace;
    const resources = { apis: [], products: [], applications: [application(namespace, 'fresh')], subscriptions: [], credentials: [] } as unknown as Resources;
    const writes: Array<[string, number]> = [];
    const views = await secretCredentials(resources, [], new Date('2026-11-30T00:00:00Z'), true, {
      core: core(),
      logger: pino({ level: 'silent' }),
      metrics: { secretWrites: { inc: (labels: { action: string }, n: number) => void writes.push([labels.action, n]) } } as never,
      emit: () => {},
    });
    const stored = await core().readNamespacedSecret({ name: 'fresh.default', namespace });
    const key = Buffer.from(stored.data!.consumerKey!, 'base64').toString();
    expect(writes).toEqual([
      ['create', 1],
      ['delete', 0],
    ]);
    expect(views).toEqual([
      expect.objectContaining({ application: `${namespace}/fresh`, name: 'default', keyHash: hashCredential(key), secretName: 'fresh.default' }),
    ]);

    // A follower creates nothing and sees only what its informer saw.
    const follower = await secretCredentials(resources, [], new Date('2026-11-30T00:00:00Z'), false, {
      core: core(),
      logger: pino({ level: 'silent' }),
      metrics: { secretWrites: { inc: () => {} } } as never,
      emit: () => {},
    });
    expect(follower).toEqual([]);
  });
});
