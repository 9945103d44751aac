// Applications compiled in memory: bring-your-own keys where Secrets can and cannot be looked up.
import { describe, expect, it } from 'vitest';
import { validateObject } from '../loader/object-validator.ts';
import { emptyResources, type ApplicationResource } from '../resources/types.ts';
import { compile, type CompileOptions } from './compile.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function application(name: string, spec: Record<string, unknown>, namespace = 'apps'): ApplicationResource {
  const r = validateObject({ apiVersion: 'tollgate.dev/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec }, 'default');
  if (!r.object) throw new Error(JSON.stringify(r.problems));
  return r.object as ApplicationResource;
}

describe('bring-your-own keys by where Secrets are looked up', () => {
  const byo = application('partner', {
    owner: { email: 'p@apps.example' },
    credentials: [{ name: 'k', secretRef: { name: 'partner-key', keyField: 'apiKey' } }],
  });
  it.each<{ secrets: CompileOptions['secrets']; severity: string; reason: string; message: RegExp; state: string; resolvedRefs: string }>([
    {
      secrets: undefined,
      severity: 'error',
      reason: 'RefNotFound',
      message: /^Secret apps\/partner-key not found, or it lacks apiKey$/,
      state: 'Invalid',
      resolvedRefs: 'False',
    },
    {
      secrets: 'cluster',
      severity: 'error',
      reason: 'RefNotFound',
      message: /^Secret apps\/partner-key not found, or it lacks apiKey$/,
      state: 'Invalid',
      resolvedRefs: 'False',
    },
    {
      secrets: 'dev',
      severity: 'error',
      reason: 'RefNotFound',
      message: /state directory \(secrets\/apps\/partner-key\.yaml\)/,
      state: 'Invalid',
      resolvedRefs: 'False',
    },
    { secrets: 'absent', severity: 'info', reason: 'RefNotChecked', message: /not checked outside a cluster/, state: 'Pending', resolvedRefs: 'True' },
  ])('secrets $secrets: $severity $reason', ({ secrets, severity, reason, message, state, resolvedRefs }) => {
    const resources = { ...emptyResources(), applications: [byo] };
    const result = compile(resources, { now: NOW, ...(secrets ? { secrets } : {}) });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ severity, reason, field: 'spec.credentials[0].secretRef', message: expect.stringMatching(message) });
    const status = result.statuses[0]!.status as unknown as { conditions: Array<{ type: string; status: string }>; credentials: Array<{ state: string }> };
    expect(status.conditions.find((c) => c.type === 'ResolvedRefs')?.status).toBe(resolvedRefs);
    expect(status.credentials[0]!.state).toBe(state);
    // Either way the application is served, with no credential for the missing key.
    expect(result.snapshot.applications).toMatchObject([{ id: 'apps/partner', credentials: [] }]);
  });

  it('says nothing about a Secret that was found', () => {
    const resources = { ...emptyResources(), applications: [byo] };
    resources.credentials = [
      {
        application: 'apps/partner',
        name: 'k',
        keyHash: 'sha256:' + 'a'.repeat(64),
        keyPrefix: 'pk_1',
        issuedAt: '2025-01-01T00:00:00Z',
        secretName: 'partner-key',
      },
    ];
    for (const secrets of ['cluster', 'dev', 'absent'] as const) expect(compile(resources, { now: NOW, secrets }).findings).toEqual([]);
  });
});

describe('credential views are found by application id and credential name', () => {
  const app = application('shop', { owner: { email: 'o@apps.example' }, credentials: [{ name: 'main' }] });
  const view = (application: string, name: string, hex: string) => ({
    application,
    name,
    keyHash: 'sha256:' + hex.repeat(64),
    keyPrefix: 'tg_1',
    issuedAt: '2025-01-01T00:00:00Z',
  });
  it.each<{ name: string; views: ReturnType<typeof view>[]; keyHash?: string }>([
    { name: 'its own view', views: [view('apps/shop', 'main', 'a')], keyHash: 'a' },
    { name: 'another application’s view of the same name', views: [view('apps/shop2', 'main', 'a'), view('other/shop', 'main', 'b')] },
    { name: 'a view of another credential', views: [view('apps/shop', 'spare', 'a')] },
    { name: 'the last of two views of one credential', views: [view('apps/shop', 'main', 'a'), view('apps/shop', 'main', 'b')], keyHash: 'b' },
    // The views were once looked up by the string `application/name`; a name holding / still reads that way.
    { name: 'a view whose name holds the rest of the id', views: [view('apps', 'shop/main', 'c')], keyHash: 'c' },
    { name: 'the last of two spellings of one id', views: [view('apps', 'shop/main', 'c'), view('apps/shop', 'main', 'd')], keyHash: 'd' },
  ])('$name', ({ views, keyHash }) => {
    const result = compile({ ...emptyResources(), applications: [app], credentials: views }, { now: NOW });
    const credentials = result.snapshot.applications[0]!.credentials;
    expect(credentials.map((c) => c.keyHash)).toEqual(keyHash ? ['sha256:' + keyHash.repeat(64)] : []);
  });
});
