import { describe, expect, it } from 'vitest';
import type { PortalProduct } from '../../operator/portal-view/portal-view.ts';
import { safeReturnTo } from '../server/auth-routes.ts';
import { listedFor, matches, subscribableFrom, visibleTo } from './access.ts';
import { portalProduct } from '../../test/portal/portal-product.ts';
import { DEFAULT_GROUP_MAPPING, userFromClaims, type PortalUser } from './user.ts';

const product = (access: PortalProduct['access'], allowed: string[] = []): PortalProduct =>
  portalProduct('platform', access, {
    displayName: `The ${access} one`,
    description: 'Weather *forecasts*',
    access,
    allowedNamespaces: access === 'public' ? [] : ['platform', ...allowed],
    categories: ['maps'],
    tags: ['geo'],
    apis: [{ id: 'platform/w', displayName: 'Forecast API', version: 'v1', lifecycle: 'Published', operations: [] }],
  });
const member = (...teams: string[]): PortalUser => ({ id: 'u', name: 'u', groups: [], teams, approver: false });

describe('catalogue visibility (Apigee access levels)', () => {
  it.each([
    ['public, anonymous allowed', product('public'), undefined, true, true, true],
    ['public, anonymous refused', product('public'), undefined, false, false, false],
    ['public, signed in', product('public'), member(), false, true, true],
    ['private, allowed team', product('private', ['team-a']), member('team-a'), false, true, true],
    ['private, other team', product('private', ['team-a']), member('team-b'), true, false, false],
    ['private, anonymous', product('private', ['team-a']), undefined, true, false, false],
    ['internal, allowed team: not listed, still opens', product('internal', ['team-a']), member('team-a'), true, false, true],
    ['internal, other team', product('internal', ['team-a']), member('team-b'), true, false, false],
  ] as const)('%s', (_name, p, user, anonymous, listed, visible) => {
    expect(listedFor(p, user, anonymous)).toBe(listed);
    expect(visibleTo(p, user, anonymous)).toBe(visible);
  });

  it('lets only the allowed namespaces subscribe to private and internal products', () => {
    expect(subscribableFrom(product('public'), 'anyone')).toBe(true);
    expect(subscribableFrom(product('private', ['team-a']), 'team-a')).toBe(true);
    expect(subscribableFrom(product('internal', ['team-a']), 'team-b')).toBe(false);
  });

  it.each([
    ['forecast', true],
    ['FORECAST api', true],
    ['maps geo', true],
    ['forecast billing', false],
    ['', true],
  ])('search %j matches: %s', (q, hit) => {
    expect(matches(product('public'), q)).toBe(hit);
  });
});

describe('userFromClaims', () => {
  it('maps team groups to namespaces and the approvers group, and keeps only those groups (the ones the portal may impersonate)', () => {
    const user = userFromClaims(
      {
        sub: 's1',
        email: 'a@x.example',
        name: 'A',
        groups: ['tollgate:team:team-a', 'tollgate:team:Bad_NS', 'tollgate:approvers', 'other', 'tollgate:team:team-a'],
      },
      DEFAULT_GROUP_MAPPING,
    );
    expect(user).toEqual({
      id: 'a@x.example',
      name: 'A',
      email: 'a@x.example',
      groups: ['tollgate:approvers', 'tollgate:team:team-a'],
      teams: ['team-a'],
      approver: true,
    });
    expect(userFromClaims({ groups: ['x'] }, DEFAULT_GROUP_MAPPING)).toBeUndefined();
    expect(userFromClaims({ sub: 's', groups: 'tollgate:team:t' }, DEFAULT_GROUP_MAPPING)?.teams).toEqual(['t']);
  });
});

describe('safeReturnTo', () => {
  it.each([
    ['/apps/team-a/shop', '/apps/team-a/shop'],
    ['/?q=a', '/?q=a'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    ['javascript:alert(1)', '/'],
    [undefined, '/'],
  ])('%j -> %j', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});
