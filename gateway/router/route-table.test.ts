import { describe, expect, it } from 'vitest';
import type { Route } from '../snapshot/types.ts';
import { RouteTable } from './route-table.ts';

const route = (host: string, basePath: string, api: string): Route => ({ host, basePath, api });
const table = (routes: Route[]) => new RouteTable(routes, (r) => (r.api === 'unresolved' ? undefined : r.api));

const ANY_HOST = table([route('*', '/hello/1.0.0', 'hello-v1'), route('*', '/hello', 'hello-default'), route('*', '/hello/1.0.0/admin', 'admin')]);
const WITH_HOSTS = table([
  route('*', '/hello', 'any-host'),
  route('api.example.com', '/hello', 'example'),
  route('api.example.com:8443', '/hello', 'example-8443'),
  route('other.example.com', '/other', 'other-only'),
  route('*', '/gone', 'unresolved'),
]);

describe('RouteTable.lookup', () => {
  it.each([
    {
      name: 'the longest base path that is a whole-segment prefix',
      t: ANY_HOST,
      host: 'x',
      path: '/hello/1.0.0/greet',
      api: 'hello-v1',
      base: '/hello/1.0.0',
      segments: 2,
    },
    {
      name: 'a longer base path inside another',
      t: ANY_HOST,
      host: 'x',
      path: '/hello/1.0.0/admin/users',
      api: 'admin',
      base: '/hello/1.0.0/admin',
      segments: 3,
    },
    { name: 'the base path itself', t: ANY_HOST, host: 'x', path: '/hello/1.0.0', api: 'hello-v1', base: '/hello/1.0.0', segments: 2 },
    { name: 'no partial segment', t: ANY_HOST, host: 'x', path: '/hello/1.0.0x/greet', api: 'hello-default', base: '/hello', segments: 1 },
    { name: 'no Host header', t: ANY_HOST, host: undefined, path: '/hello/2', api: 'hello-default', base: '/hello', segments: 1 },
    { name: 'nothing under the path', t: ANY_HOST, host: 'x', path: '/other', api: undefined },
    { name: "a host's own route over `*`", t: WITH_HOSTS, host: 'api.example.com', path: '/hello/x', api: 'example', base: '/hello', segments: 1 },
    { name: 'the Host header case-insensitively', t: WITH_HOSTS, host: 'API.Example.COM', path: '/hello', api: 'example' },
    { name: 'host and port first', t: WITH_HOSTS, host: 'api.example.com:8443', path: '/hello', api: 'example-8443' },
    { name: 'then the host without its port', t: WITH_HOSTS, host: 'api.example.com:80', path: '/hello', api: 'example' },
    { name: '`*` for another host', t: WITH_HOSTS, host: 'elsewhere.test', path: '/hello', api: 'any-host' },
    { name: "`*` when the host's routes have no such path", t: WITH_HOSTS, host: 'other.example.com', path: '/hello', api: 'any-host' },
    { name: "a host's path only on that host", t: WITH_HOSTS, host: 'elsewhere.test', path: '/other', api: undefined },
    { name: 'an IPv6 host is not cut at its last colon', t: WITH_HOSTS, host: '[::1]', path: '/hello', api: 'any-host' },
    { name: 'a route whose target does not resolve is left out', t: WITH_HOSTS, host: 'x', path: '/gone', api: undefined },
  ])('$name', ({ t, host, path, api, ...hit }) => {
    const found = t.lookup(host, path);
    expect(found?.target).toBe(api);
    if ('base' in hit) expect(found).toMatchObject({ basePath: hit.base, baseSegments: hit.segments });
  });

  it('hands every request to a route the same hit, which cannot be changed', () => {
    const first = ANY_HOST.lookup('a', '/hello/1.0.0/x');
    expect(ANY_HOST.lookup('b', '/hello/1.0.0/y')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
