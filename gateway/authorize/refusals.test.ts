import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InactiveSubscription, PathMatch, ProductOperation } from '../snapshot/types.ts';
import type { SnapshotBody } from '../snapshot/version.ts';
import { TEST_KEY, basicSnapshot, keyHash, product, send, subscription } from '../../test/gateway/fixtures.ts';
import { useUpstreamAndGateway } from '../../test/gateway/gateway-harness.ts';

// Why an authenticated application is refused, through a real gateway on loopback:
// the credential kind a product accepts (API key or token and its scopes), the
// method, a subscription that is not active, or none at all. One snapshot per row.
const NOW = Date.parse('2026-06-15T12:00:00Z');
const seconds = Math.floor(NOW / 1000);
const ISSUER = 'https://tollgate.test/oauth2';

let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicKey: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  publicKey = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
});
const h = useUpstreamAndGateway({ gateway: { environment: 'prod', clock: () => NOW } });

/** A built-in access token of the test application carrying `scope`. */
function token(scope: string): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: 'tollgate', sub: 'team-b/app', client_id: keyHash(TEST_KEY), exp: seconds + 300, iat: seconds, scope })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .sign(signingKey);
}

const ANY: PathMatch = { pattern: '/', segments: [], rest: 'any' };
const ORDERS: PathMatch = { pattern: '/orders', segments: ['orders'], rest: 'none' };
const op = (methods: string[], paths: PathMatch[] = [ANY]): ProductOperation => ({ api: 'team-a/hello', paths, methods });

/** Replaces the one product and subscription with these products, each with an active or inactive subscription. */
function offer(
  products: Array<{
    name: string;
    operations: ProductOperation[];
    state?: InactiveSubscription['state'];
    scopes?: string[];
    apiKeys?: 'Allowed' | 'Refused';
    environments?: string[];
  }>,
) {
  return (b: SnapshotBody) => {
    b.products = [];
    b.subscriptions = [];
    for (const p of products) {
      const id = `team-a/${p.name}`;
      b.products.push(
        product({ id, name: p.name, operations: p.operations, scopes: p.scopes ?? [], apiKeys: p.apiKeys ?? 'Allowed', environments: p.environments ?? [] }),
      );
      const sub = subscription({ id: `team-b/app-${p.name}`, product: id });
      if (p.state) b.inactiveSubscriptions.push({ id: sub.id, application: sub.application, product: id, state: p.state });
      else b.subscriptions.push(sub);
    }
  };
}

interface Row {
  name: string;
  change: (b: SnapshotBody) => void;
  /** An API key, or a token with these scopes. */
  credential: 'key' | { scope: string };
  method?: string;
  path?: string;
  status: number;
  code?: string;
  detail?: RegExp;
  allow?: string;
  /** The product the upstream is told about, when the request passes. */
  product?: string;
}

const rows: Row[] = [
  // API key or token on a product with scopes (#6).
  {
    name: 'scoped product refuses an API key by default',
    change: offer([{ name: 'p', operations: [op([])], scopes: ['read'], apiKeys: 'Refused' }]),
    credential: 'key',
    status: 403,
    code: 'api-key-not-allowed',
    detail: /team-a\/p accepts access tokens only/,
  },
  {
    name: 'scoped product serves a token with its scope',
    change: offer([{ name: 'p', operations: [op([])], scopes: ['read'], apiKeys: 'Refused' }]),
    credential: { scope: 'read' },
    status: 200,
    product: 'team-a/p',
  },
  {
    name: 'scoped product refuses a token without its scope',
    change: offer([{ name: 'p', operations: [op([])], scopes: ['read'], apiKeys: 'Refused' }]),
    credential: { scope: 'write' },
    status: 403,
    code: 'insufficient-scope',
  },
  {
    name: 'scoped product with apiKeys Allowed serves an API key',
    change: offer([{ name: 'p', operations: [op([])], scopes: ['read'], apiKeys: 'Allowed' }]),
    credential: 'key',
    status: 200,
    product: 'team-a/p',
  },
  {
    name: 'unscoped product with apiKeys Refused takes tokens only',
    change: offer([{ name: 'p', operations: [op([])], apiKeys: 'Refused' }]),
    credential: 'key',
    status: 403,
    code: 'api-key-not-allowed',
  },
  {
    name: 'unscoped product with apiKeys Refused serves any token',
    change: offer([{ name: 'p', operations: [op([])], apiKeys: 'Refused' }]),
    credential: { scope: '' },
    status: 200,
    product: 'team-a/p',
  },
  {
    name: 'an API key passes through a later product that allows keys',
    change: offer([
      { name: 'a-tokens', operations: [op([])], scopes: ['read'], apiKeys: 'Refused' },
      { name: 'b-keys', operations: [op([])], apiKeys: 'Allowed' },
    ]),
    credential: 'key',
    status: 200,
    product: 'team-a/b-keys',
  },
  // Every refusal its own code (#7).
  {
    name: 'wrong method: 405 with the methods the subscription allows',
    change: offer([{ name: 'p', operations: [op(['GET'])] }]),
    credential: 'key',
    method: 'POST',
    status: 405,
    code: 'method-not-allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'wrong method: Allow lists every active subscription on the path',
    change: offer([
      { name: 'a', operations: [op(['PUT'], [ORDERS]), op(['PATCH'], [{ pattern: '/other', segments: ['other'], rest: 'none' }])] },
      { name: 'b', operations: [op(['GET', 'POST'])] },
    ]),
    credential: 'key',
    method: 'DELETE',
    path: '/hello/1.0.0/orders',
    status: 405,
    code: 'method-not-allowed',
    allow: 'GET, HEAD, POST, PUT',
  },
  {
    name: 'pending subscription',
    change: offer([{ name: 'p', operations: [op([])], state: 'PendingApproval' }]),
    credential: 'key',
    status: 403,
    code: 'subscription-pending',
    detail: /team-b\/app-p to product team-a\/p is pending approval/,
  },
  {
    name: 'rejected subscription',
    change: offer([{ name: 'p', operations: [op([])], state: 'Rejected' }]),
    credential: 'key',
    status: 403,
    code: 'subscription-rejected',
  },
  {
    name: 'revoked subscription',
    change: offer([{ name: 'p', operations: [op([])], state: 'Revoked' }]),
    credential: { scope: '' },
    status: 403,
    code: 'subscription-revoked',
  },
  {
    name: 'a wrong method on an active subscription comes before a pending one',
    change: offer([
      { name: 'a', operations: [op(['GET'])] },
      { name: 'b', operations: [op([])], state: 'PendingApproval' },
    ]),
    credential: 'key',
    method: 'POST',
    status: 405,
    code: 'method-not-allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'the first inactive subscription that covers the request names the refusal',
    change: offer([
      { name: 'a', operations: [op([], [ORDERS])], state: 'Revoked' },
      { name: 'b', operations: [op([])], state: 'Rejected' },
      { name: 'c', operations: [op([])], state: 'PendingApproval' },
    ]),
    credential: 'key',
    status: 403,
    code: 'subscription-rejected',
  },
  {
    name: 'revoked subscription to another path',
    change: offer([{ name: 'p', operations: [op([], [ORDERS])], state: 'Revoked' }]),
    credential: 'key',
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'pending subscription for another method',
    change: offer([{ name: 'p', operations: [op(['GET'])], state: 'PendingApproval' }]),
    credential: 'key',
    method: 'DELETE',
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'pending subscription in another environment',
    change: offer([{ name: 'p', operations: [op([])], state: 'PendingApproval', environments: ['test'] }]),
    credential: 'key',
    status: 403,
    code: 'not-subscribed',
  },
  {
    name: 'active subscription in another environment, wrong method',
    change: offer([{ name: 'p', operations: [op(['GET'])], environments: ['test'] }]),
    credential: 'key',
    method: 'POST',
    status: 403,
    code: 'not-subscribed',
  },
  { name: 'no subscription at all', change: offer([]), credential: 'key', status: 403, code: 'not-subscribed' },
];

describe('authorisation refusals', () => {
  it.each(rows)('$name', async (row) => {
    const applied = h.gw.applySnapshot(
      basicSnapshot(h.upstream.url, (b) => {
        b.tokens = { issuer: ISSUER, audience: 'tollgate', keys: [publicKey] };
        b.apis[0]!.auth = { required: true, apiKey: { header: 'x-api-key' }, oauth2: true, issuers: [] };
        row.change(b);
      }),
    );
    expect(applied.ok ? [] : applied.errors).toEqual([]);
    const headers: Record<string, string> =
      row.credential === 'key' ? { 'x-api-key': TEST_KEY } : { authorization: `Bearer ${await token(row.credential.scope)}` };
    const res = await send(h.gw.proxyPort, row.path ?? '/hello/1.0.0/items', { method: row.method ?? 'GET', headers });
    expect(res.status, res.body).toBe(row.status);
    if (row.code) {
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.json()).toMatchObject({ code: row.code, status: row.status });
      expect(h.upstream.seen).toHaveLength(0);
    }
    if (row.detail) expect(res.json().detail).toMatch(row.detail);
    if (row.allow !== undefined) expect(res.headers.allow).toBe(row.allow);
    if (row.product) expect(h.upstream.seen[0]!.headers['x-tollgate-product']).toBe(row.product);
    expect(res.body).not.toContain(TEST_KEY);
  });
});
