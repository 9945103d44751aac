// The backend JWT over real HTTP: the upstream gets a short-lived JWT that it verifies
// with the JWKS the gateway publishes, stating the application, product, plan and API,
// and for a bearer-token caller that token's claims; a client cannot send its own.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, keyHash, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';
import { gatewayTokens, newSigningKey, setSigningKey } from '../../test/gateway/token-signing.ts';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const SECRET = 'test-secret-0123456789abcdef';
const { jwk, pub } = newSigningKey();
let upstream: Upstream;
let gw: Gateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(undefined, { clock: () => NOW });
  setSigningKey(gw, jwk);
  const applied = gw.applySnapshot(
    basicSnapshot(upstream.url, (b) => {
      b.tokens = gatewayTokens(pub);
      b.apis[0]!.auth.oauth2 = true;
      b.applications[0]!.credentials[0]!.secretHash = keyHash(SECRET);
      b.subscriptions[0]!.plan = 'gold';
      b.apis[0]!.policies = { backendJwt: { header: 'x-jwt-assertion', ttlSeconds: 60, audience: 'orders-backend' } };
    }),
  );
  if (!applied.ok) throw new Error(applied.errors.join('; '));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

async function verifyAtUpstream(): Promise<Record<string, unknown>> {
  const jwks = (await send(gw.proxyPort, '/.well-known/jwks.json')).json() as { keys: Array<Record<string, unknown>> };
  const token = upstream.seen[0]!.headers['x-jwt-assertion'] as string;
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
    issuer: 'https://gateway.test',
    audience: 'orders-backend',
    algorithms: ['ES256'],
    currentDate: new Date(NOW),
  });
  expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
  expect(payload.exp! - payload.iat!).toBe(60);
  return payload;
}

describe('backend JWT', () => {
  it('states the application, product, plan and API to an API-key call, and replaces a forged one', async () => {
    const res = await send(gw.proxyPort, '/hello/1.0.0/orders', { headers: { 'x-api-key': TEST_KEY, 'x-jwt-assertion': 'forged' } });
    expect(res.status).toBe(200);
    const payload = await verifyAtUpstream();
    expect(payload).toMatchObject({ sub: 'team-b/app', application: 'team-b/app', product: 'team-a/gold', plan: 'gold', api: 'team-a/hello' });
    expect(payload.caller).toBeUndefined();
  });

  it("carries a bearer caller's token claims", async () => {
    const issued = await send(gw.proxyPort, '/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: TEST_KEY, client_secret: SECRET }).toString(),
    });
    expect(issued.status).toBe(200);
    const res = await send(gw.proxyPort, '/hello/1.0.0/orders', { headers: { authorization: `Bearer ${issued.json().access_token}` } });
    expect(res.status).toBe(200);
    const payload = await verifyAtUpstream();
    expect(payload.caller).toMatchObject({ sub: 'team-b/app', iss: 'https://gateway.test', client_id: keyHash(TEST_KEY) });
    // The caller's own token is consumed by the gateway, never forwarded.
    expect(upstream.seen[0]!.headers.authorization).toBeUndefined();
  });
});
