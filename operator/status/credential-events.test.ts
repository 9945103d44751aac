import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ApplicationResource } from '../resources/types.ts';
import { credentialEvents } from './credential-events.ts';

const app = (name: string) =>
  ({
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
    spec: { credentials: [{ name: 'default' }] },
  }) as unknown as ApplicationResource;
const stale: V1Secret = { metadata: { name: 'old.gone', namespace: 'ns', labels: { 'tollgate.dev/application': 'old' } } };

describe('credential events', () => {
  it('tells what this replica did: created, removed, refused; not what another writer did first', () => {
    const plan = {
      create: [
        { app: app('a'), credential: 'default' },
        { app: app('b'), credential: 'default' },
        { app: app('c'), credential: 'default' },
      ],
      remove: [stale],
    };
    const events = credentialEvents(plan, {
      created: ['ns/a.default'],
      removed: ['ns/old.gone'],
      failed: [{ secret: 'ns/c.default', action: 'create', code: 403, error: 'secrets is forbidden' }],
    });
    expect(events.map((e) => [e.name, e.type, e.reason])).toEqual([
      ['a', 'Normal', 'CredentialCreated'],
      ['old', 'Normal', 'CredentialRemoved'],
      ['c', 'Warning', 'CredentialSecretFailed'],
    ]);
    expect(events[0]!.note).toBe('generated credential default into Secret a.default');
    expect(events[2]!.note).toContain('secrets is forbidden');
  });
});
