import { describe, expect, it } from 'vitest';
import { api, basicSnapshot } from '../../test/gateway/fixtures.ts';
import type { Route } from './types.ts';
import { validateSnapshot } from './validate.ts';
import { sealSnapshot, type SnapshotBody } from './version.ts';

// A (host, base path) may carry several APIs only when their environments are
// non-empty and disjoint: within any one environment a path has one API.
function withRoutes(environments: Record<string, string[]>, routes: Array<[string, string, string]>) {
  return sealSnapshot({
    schema: 'tollgate.dev/snapshot/v1',
    routes: routes.map(([host, basePath, name]): Route => ({ host, basePath, api: `team-a/${name}` })),
    apis: Object.entries(environments).map(([name, envs]) => api({ name, environments: envs })),
    products: [],
    applications: [],
    subscriptions: [],
    inactiveSubscriptions: [],
  });
}

describe('validateSnapshot: routes shared across environments', () => {
  it.each<{ name: string; environments: Record<string, string[]>; routes: Array<[string, string, string]>; errors: string[] }>([
    {
      name: 'one API per pair',
      environments: { a: [], b: [] },
      routes: [
        ['*', '/a', 'a'],
        ['*', '/b', 'b'],
      ],
      errors: [],
    },
    {
      name: 'disjoint environments share a pair',
      environments: { a: ['test'], b: ['prod', 'uat'] },
      routes: [
        ['*', '/p', 'a'],
        ['*', '/p', 'b'],
      ],
      errors: [],
    },
    {
      name: 'same base path on different hosts',
      environments: { a: [], b: [] },
      routes: [
        ['a.test', '/p', 'a'],
        ['b.test', '/p', 'b'],
      ],
      errors: [],
    },
    {
      name: 'environments overlap',
      environments: { a: ['test', 'prod'], b: ['prod'] },
      routes: [
        ['*', '/p', 'a'],
        ['*', '/p', 'b'],
      ],
      errors: ['/routes/1 repeats host * and base path /p: API team-a/a is routed there in an environment of team-a/b'],
    },
    {
      name: 'an API of every environment after one of some',
      environments: { a: ['test'], b: [] },
      routes: [
        ['*', '/p', 'a'],
        ['*', '/p', 'b'],
      ],
      errors: ['/routes/1 repeats host * and base path /p: API team-a/a is routed there in an environment of team-a/b'],
    },
    {
      name: 'an API of some environments after one of every',
      environments: { a: [], b: ['test'] },
      routes: [
        ['*', '/p', 'a'],
        ['*', '/p', 'b'],
      ],
      errors: ['/routes/1 repeats host * and base path /p: API team-a/a is routed there in an environment of team-a/b'],
    },
    {
      name: 'one API twice',
      environments: { a: ['test'] },
      routes: [
        ['*', '/p', 'a'],
        ['*', '/p', 'a'],
      ],
      errors: ['/routes/1 repeats host * and base path /p: API team-a/a is routed there in an environment of team-a/a'],
    },
    { name: 'a route to no API', environments: { a: [] }, routes: [['*', '/p', 'x']], errors: ['/routes/0/api team-a/x is not in /apis'] },
  ])('$name', ({ environments, routes, errors }) => {
    const check = validateSnapshot(withRoutes(environments, routes));
    expect(check.ok ? [] : check.errors).toEqual(errors);
  });
});

// Inactive subscriptions are checked like active ones: known application and
// product, one id across both lists, and only the states that never authorise.
const inactive = { id: 'team-b/app-old', application: 'team-b/app', product: 'team-a/gold', state: 'Revoked' as const };

const rows: Array<{ name: string; change: (b: SnapshotBody) => void; error?: string }> = [
  { name: 'a revoked subscription beside an active one', change: (b) => b.inactiveSubscriptions.push(inactive) },
  {
    name: 'an unknown product',
    change: (b) => b.inactiveSubscriptions.push({ ...inactive, product: 'team-a/nope' }),
    error: '/inactiveSubscriptions/0/product team-a/nope is not in /products',
  },
  {
    name: 'an unknown application',
    change: (b) => b.inactiveSubscriptions.push({ ...inactive, application: 'team-x/nope' }),
    error: '/inactiveSubscriptions/0/application team-x/nope is not in /applications',
  },
  {
    name: 'one id both active and inactive',
    change: (b) => b.inactiveSubscriptions.push({ ...inactive, id: 'team-b/app-gold' }),
    error: 'has team-b/app-gold twice',
  },
  {
    name: 'an Active state',
    change: (b) => b.inactiveSubscriptions.push({ ...inactive, state: 'Active' as never }),
    error: '/inactiveSubscriptions/0/state must be equal to one of the allowed values',
  },
  {
    name: 'a product without apiKeys',
    change: (b) => delete (b.products[0] as Partial<SnapshotBody['products'][number]>).apiKeys,
    error: "must have required property 'apiKeys'",
  },
];

describe('snapshot validation of the authorisation fields', () => {
  it.each(rows)('$name', ({ change, error }) => {
    const check = validateSnapshot(basicSnapshot('http://127.0.0.1:9', change));
    if (!error) return expect(check.ok ? [] : check.errors).toEqual([]);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join('\n')).toContain(error);
  });
});
