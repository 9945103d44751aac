import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePaths } from './validate-paths.ts';

const HEAD = 'apiVersion: tollgate.dev/v1alpha1\n';
const api = (name: string, context: string) =>
  `${HEAD}kind: API\nmetadata: { name: ${name}, namespace: team-a }\nspec:\n  context: ${context}\n  version: v1\n  upstream: { urls: ["http://127.0.0.1:9"] }\n`;
const product = (name: string, apiName: string, operations = `[{ api: ${apiName} }]`) =>
  `${HEAD}kind: APIProduct\nmetadata: { name: ${name}, namespace: team-a }\nspec:\n  operations: ${operations}\n`;
const application = (name: string, email: string) =>
  `${HEAD}kind: Application\nmetadata: { name: ${name}, namespace: team-a }\nspec:\n  owner: { email: ${email} }\n`;
const subscription = (app: string, prod: string) =>
  `${HEAD}kind: Subscription\nmetadata: { name: sub, namespace: team-a }\nspec:\n  application: ${app}\n  product: { name: ${prod} }\n`;

describe('validatePaths references', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  // A reference to an object that is in the directory but failed validation says so, from the finding's ref, not "not found".
  it.each([
    { name: 'an API that is absent', docs: [product('p', 'gone')], field: 'spec.operations[0].api', message: 'API team-a/gone not found' },
    {
      name: 'an API that is defined but invalid',
      docs: [api('broken', 'no-slash'), product('p', 'broken')],
      field: 'spec.operations[0].api',
      message: 'API team-a/broken is defined but invalid (see its errors)',
    },
    {
      name: 'an Application that is defined but invalid',
      docs: [api('ok', '/ok'), product('p', 'ok'), application('app', '42'), subscription('app', 'p')],
      field: 'spec.application',
      message: 'Application team-a/app is defined but invalid (see its errors)',
    },
    {
      name: 'an APIProduct that is defined but invalid',
      docs: [application('app', 'a@team-a.example'), product('p', 'ok', '[]'), subscription('app', 'p')],
      field: 'spec.product',
      message: 'APIProduct team-a/p is defined but invalid (see its errors)',
    },
    {
      name: 'an APIProduct that is absent',
      docs: [application('app', 'a@team-a.example'), subscription('app', 'gone')],
      field: 'spec.product',
      message: 'APIProduct team-a/gone not found',
    },
  ])('$name', async ({ docs, field, message }) => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-validate-paths-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'all.yaml'), docs.join('---\n'));
    const refs = (await validatePaths([dir], { now: new Date('2025-01-01T00:00:00Z') })).diagnostics.filter((d) => d.code === 'RefNotFound');
    expect(refs).toEqual([expect.objectContaining({ severity: 'error', field, message })]);
  });
});
