import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { basicSnapshot, keyHash, product, send, startGateway, subscription, TEST_KEY } from '../../test/gateway/fixtures.ts';
import { gatewayTokens, newSigningKey, setSigningKey } from '../../test/gateway/token-signing.ts';

// The token endpoint grants the scopes of the products deployed to this gateway's environment only.
const SECRET = 'test-secret-0123456789abcdef';
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(undefined, { environment: 'prod' });
  const { jwk, pub } = newSigningKey();
  const applied = gw.applySnapshot(
    basicSnapshot('http://127.0.0.1:1', (b) => {
      b.tokens = gatewayTokens(pub);
      b.applications[0]!.credentials[0]!.secretHash = keyHash(SECRET);
      b.products = [
        product({ id: 'team-a/everywhere', name: 'everywhere', scopes: ['all:read'] }),
        product({ id: 'team-a/prod-only', name: 'prod-only', scopes: ['prod:read'], environments: ['prod'] }),
        product({ id: 'team-a/test-only', name: 'test-only', scopes: ['test:read'], environments: ['test'] }),
      ];
      b.subscriptions = b.products.map((p) => subscription({ id: `team-b/app-${p.name}`, product: p.id }));
    }),
  );
  if (!applied.ok) throw new Error(applied.errors.join('; '));
  setSigningKey(gw, jwk);
});
afterAll(() => gw.close());

const token = (scope?: string) =>
  send(gw.proxyPort, '/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: TEST_KEY, client_secret: SECRET, ...(scope ? { scope } : {}) }).toString(),
  });

describe('token endpoint at a gateway of one environment', () => {
  it.each<{ name: string; scope?: string; status: number; granted?: string; error?: string }>([
    { name: 'no scope asked: every scope of this environment', status: 200, granted: 'all:read prod:read' },
    { name: 'a scope of another environment is not granted', scope: 'test:read prod:read', status: 200, granted: 'prod:read' },
    { name: 'only scopes of another environment', scope: 'test:read', status: 400, error: 'invalid_scope' },
  ])('$name', async ({ scope, status, granted, error }) => {
    const res = await token(scope);
    expect(res.status).toBe(status);
    if (granted !== undefined) expect(res.json().scope).toBe(granted);
    if (error !== undefined) expect(res.json().error).toBe(error);
  });
});
