import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import type { Product } from '../snapshot/types.ts';
import { basicSnapshot, product, send, startGateway } from '../../test/gateway/fixtures.ts';

// The RFC 8414 metadata is anonymous: it may advertise only what anyone may know,
// the scopes of public products deployed to this gateway's environment.
const ISSUER = 'https://tollgate.test/oauth2';
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(undefined, { environment: 'prod' });
});
afterAll(async () => {
  await gw.close();
});

const offered = (name: string, access: Product['access'], scopes: string[], environments: string[] = []): Product =>
  product({ id: `team-a/${name}`, name, access, scopes, environments });

const rows: Array<{ name: string; products: Product[]; scopes: string[] }> = [
  {
    name: "a public product's scopes are listed",
    products: [offered('open', 'public', ['orders:read', 'orders:audit'])],
    scopes: ['orders:audit', 'orders:read'],
  },
  { name: "a private product's scopes are not", products: [offered('secret', 'private', ['secret:admin'])], scopes: [] },
  { name: "an internal product's scopes are not", products: [offered('hidden', 'internal', ['hidden:ops'])], scopes: [] },
  { name: 'a public product in another environment is not', products: [offered('elsewhere', 'public', ['test:only'], ['test'])], scopes: [] },
  {
    name: 'a mix lists the public ones here, once each',
    products: [
      offered('open', 'public', ['orders:read']),
      offered('here', 'public', ['orders:read', 'orders:write'], ['prod']),
      offered('secret', 'private', ['orders:admin']),
    ],
    scopes: ['orders:read', 'orders:write'],
  },
];

describe('authorization-server metadata', () => {
  it.each(rows)('$name', async (row) => {
    const applied = gw.applySnapshot(
      basicSnapshot('http://127.0.0.1:9', (b) => {
        b.tokens = { issuer: ISSUER, audience: 'tollgate', keys: [] };
        b.products = row.products;
        b.subscriptions = [];
      }),
    );
    expect(applied.ok ? [] : applied.errors).toEqual([]);
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/oauth2']) {
      const res = await send(gw.proxyPort, path);
      expect(res.status, res.body).toBe(200);
      expect(res.json().scopes_supported).toEqual(row.scopes);
    }
  });
});
