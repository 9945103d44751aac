// The key manager end to end in dev mode: the client-credentials flow over loopback,
// the token then used at the gateway, scopes, RFC 6749 errors, throttling,
// revocation by editing YAML, and signing key rotation with overlap.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test/gateway/fixtures.ts';
import { until } from '../test/support/wait.ts';
import { runDev, type DevServer } from './run-dev.ts';
import { devOptions } from '../test/support/dev-options.ts';

function config(upstream: string, options: { revoked?: boolean; suspended?: boolean; subscribed?: boolean } = {}): string {
  return `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orders, namespace: shop }
spec:
  context: /orders
  version: v1
  upstream: { urls: ["${upstream}"] }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: orders-read, namespace: shop }
spec:
  scopes: [orders:read, orders:audit]
  operations: [{ api: orders, paths: [/], methods: [GET] }]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: orders-write, namespace: shop }
spec:
  scopes: [orders:write]
  operations: [{ api: orders, paths: [/], methods: [POST] }]
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: shopper, namespace: shop }
spec:
  owner: { email: dev@shop.example }
  ${options.suspended ? 'suspended: true' : ''}
  credentials:
    - name: default
      ${options.revoked ? 'revoked: true' : ''}
${
  options.subscribed === false
    ? ''
    : `---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: shopper-read, namespace: shop }
spec:
  application: shopper
  product: { name: orders-read }
`
}`;
}

let backend: Upstream;
let upstream: string;
beforeAll(async () => {
  backend = await startUpstream();
  upstream = backend.url;
});
afterAll(() => backend?.close());

interface Env {
  dir: string;
  dev: DevServer;
  base: string;
  key: string;
  secret: string;
  logs: string[];
  write(options?: Parameters<typeof config>[1]): void;
}

async function startDev(options: { clock?: () => Date; tokenPolicy?: Parameters<typeof runDev>[0]['tokenPolicy'] } = {}): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tokens-'));
  mkdirSync(join(dir, 'config'));
  const write = (o: Parameters<typeof config>[1] = {}): void => writeFileSync(join(dir, 'config', 'shop.yaml'), config(upstream, o));
  write();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
  const dev = await runDev(
    devOptions(dir, {
      logger,
      ...options,
    }),
  );
  const { consumerKey, consumerSecret } = dev.credentials.reveal('shop/shopper', 'default')!;
  return { dir, dev, base: `http://127.0.0.1:${dev.gateway.proxyPort}`, key: consumerKey, secret: consumerSecret, logs, write };
}

async function stopDev(env: Env | undefined): Promise<void> {
  await env?.dev.close();
  if (env) rmSync(env.dir, { recursive: true, force: true });
}

function tokenRequest(base: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

async function token(env: Env, form: Record<string, string> = {}): Promise<string> {
  const res = await tokenRequest(env.base, { grant_type: 'client_credentials', ...form }, basic(env.key, env.secret));
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const call = (env: Env, accessToken: string, method = 'GET') =>
  fetch(`${env.base}/orders/v1/list`, { method, headers: { authorization: `Bearer ${accessToken}` } });

describe('the client-credentials flow', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startDev();
  });
  afterAll(() => stopDev(env));

  it('trades key and secret (HTTP Basic) for an RFC 9068 access token that the gateway accepts', async () => {
    const res = await tokenRequest(env.base, { grant_type: 'client_credentials' }, basic(env.key, env.secret));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'orders:audit orders:read' });
    const accessToken = body.access_token as string;

    const header = decodeProtectedHeader(accessToken);
    expect(header).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
    const claims = decodeJwt(accessToken);
    expect(claims).toEqual({
      iss: env.base,
      sub: 'shop/shopper',
      aud: 'tollgate',
      client_id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      scope: 'orders:audit orders:read',
      iat: expect.any(Number),
      exp: (claims.iat as number) + 3600,
      jti: expect.any(String),
    });
    // Neither the key nor the secret is in the token.
    expect(accessToken).not.toContain(env.key);
    expect(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).not.toContain(env.key);

    const api = await call(env, accessToken);
    expect(api.status).toBe(200);
    expect(((await api.json()) as { headers: Record<string, string> }).headers.authorization).toBeUndefined();
  });

  it('accepts client_id and client_secret in the form, and gives each token its own jti', async () => {
    const res = await tokenRequest(env.base, { grant_type: 'client_credentials', client_id: env.key, client_secret: env.secret });
    expect(res.status).toBe(200);
    const a = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    const b = decodeJwt(await token(env));
    expect(a.jti).not.toBe(b.jti);
  });

  it('publishes the JWKS and RFC 8414 metadata that verify its tokens', async () => {
    const metadata = (await (await fetch(`${env.base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: env.base,
      token_endpoint: `${env.base}/oauth2/token`,
      jwks_uri: `${env.base}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['orders:audit', 'orders:read', 'orders:write'],
    });
    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(await token(env), createLocalJWKSet(jwks as never), { issuer: env.base, audience: 'tollgate', typ: 'at+jwt' });
    expect(payload.sub).toBe('shop/shopper');
  });

  it('grants the requested scopes that the subscribed products offer, and nothing else', async () => {
    expect(decodeJwt(await token(env, { scope: 'orders:read' })).scope).toBe('orders:read');
    // orders:write belongs to a product the app is not subscribed to.
    expect(decodeJwt(await token(env, { scope: 'orders:write orders:read' })).scope).toBe('orders:read');
    const refused = await tokenRequest(env.base, { grant_type: 'client_credentials', scope: 'orders:write' }, basic(env.key, env.secret));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it("enforces each product's scopes per request", async () => {
    const audit = await token(env, { scope: 'orders:audit' });
    expect((await call(env, audit)).status).toBe(200);
    // POST is only in orders-write, which the app has no subscription to: its subscription allows GET alone.
    const post = await call(env, audit, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each([
    ['no grant_type', {}, {}, 'application/x-www-form-urlencoded', 400, 'invalid_request'],
    ['another grant', { grant_type: 'password' }, 'ok', 'application/x-www-form-urlencoded', 400, 'unsupported_grant_type'],
    ['no client authentication', { grant_type: 'client_credentials' }, {}, 'application/x-www-form-urlencoded', 401, 'invalid_client'],
    ['a JSON body', { grant_type: 'client_credentials' }, 'ok', 'application/json', 400, 'invalid_request'],
    [
      'credentials in header and body',
      { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' },
      'ok',
      'application/x-www-form-urlencoded',
      400,
      'invalid_request',
    ],
    [
      'a scope that is not a scope token',
      { grant_type: 'client_credentials', scope: 'orders:read  x' },
      'ok',
      'application/x-www-form-urlencoded',
      400,
      'invalid_request',
    ],
  ] as const)('answers %s with the RFC 6749 error', async (_name, form, auth, contentType, status, error) => {
    const headers = auth === 'ok' ? basic(env.key, env.secret) : auth;
    const res = await tokenRequest(env.base, form, { ...headers, 'content-type': contentType });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it('refuses a wrong secret as invalid_client with a Basic challenge, and a parameter sent twice', async () => {
    // The last character replaced by one it is not: a fixed 'x' gave back the right secret 1 time in 64.
    const wrong = env.secret.slice(0, -1) + (env.secret.endsWith('x') ? 'y' : 'x');
    expect(wrong).not.toBe(env.secret);
    const res = await tokenRequest(env.base, { grant_type: 'client_credentials' }, basic(env.key, wrong));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="tollgate"/);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    const twice = await fetch(`${env.base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(env.key, env.secret) },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({ error: 'invalid_request', error_description: 'grant_type appears more than once' });
    expect((await fetch(`${env.base}/oauth2/token`)).status).toBe(405);
  });

  it('throttles failed client authentication per client', async () => {
    const victim = 'tg_guessed-client-id';
    for (let i = 0; i < 10; i++) {
      const res = await tokenRequest(env.base, { grant_type: 'client_credentials', client_id: victim, client_secret: `guess-${i}` });
      expect(res.status).toBe(401);
    }
    const throttled = await tokenRequest(env.base, { grant_type: 'client_credentials', client_id: victim, client_secret: 'guess-10' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another client from the same source is still served (the per-source limit is higher).
    expect((await tokenRequest(env.base, { grant_type: 'client_credentials' }, basic(env.key, env.secret))).status).toBe(200);
  });

  it('logs each token request without the key, the secret or the token', async () => {
    const accessToken = await token(env);
    await call(env, accessToken);
    const logged = env.logs.join('');
    expect(logged).toContain('"api":"tollgate/token-service"');
    expect(logged).toContain('"detail":"issued"');
    for (const secret of [env.key, env.secret, accessToken, accessToken.split('.')[2]!]) expect(logged).not.toContain(secret);
  });

  it('keeps its private signing keys in a file only the owner can read', () => {
    const file = join(env.dir, 'state', 'signing-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0].jwk).toHaveProperty('d');
  });
});

describe('revocation is immediate', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startDev();
  });
  afterAll(() => stopDev(env));

  it.each([
    ['revoking the credential', { revoked: true }, 401],
    ['suspending the application', { suspended: true }, 403],
    ['ending the subscription', { subscribed: false }, 403],
  ] as const)('%s refuses tokens already issued at the next request', async (_name, change, status) => {
    env.write();
    const accessToken = await until(
      'a token',
      async () => {
        const res = await tokenRequest(env.base, { grant_type: 'client_credentials' }, basic(env.key, env.secret));
        return res.status === 200 ? ((await res.json()) as { access_token: string }).access_token : undefined;
      },
      5000,
      5,
    );
    expect((await call(env, accessToken.value)).status).toBe(200);
    env.write(change);
    const { ms } = await until(`a ${status}`, async () => ((await call(env, accessToken.value)).status === status ? true : undefined), 5000, 5);
    // The benchmark (bench/revocation) holds this to 1 s; here a generous bound for a loaded CI machine.
    expect(ms).toBeLessThan(3000);
  });
});

describe('signing key rotation with overlap', () => {
  let env: Env;
  let now = Date.parse('2026-11-23T10:00:00Z');
  const hour = 3600_000;
  beforeAll(async () => {
    env = await startDev({
      clock: () => new Date(now),
      tokenPolicy: { rotateAfterMs: 24 * hour, prePublishMs: hour, accessTokenTtlSeconds: 2 * 3600, toleranceMs: 60_000 },
    });
  });
  afterAll(() => stopDev(env));

  const jwksKids = async () => ((await (await fetch(`${env.base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

  it('publishes the next key before signing with it and keeps the old one until its tokens expire', async () => {
    const first = await token(env);
    const k1 = decodeProtectedHeader(first).kid!;
    expect(await jwksKids()).toEqual([k1]);

    // 23 h later the successor is made and published, but not yet used.
    now += 23 * hour;
    env.dev.rotateSigningKeys();
    const published = await jwksKids();
    expect(published).toHaveLength(2);
    const k2 = published.find((k) => k !== k1)!;
    const beforeActivation = await token(env);
    expect(decodeProtectedHeader(beforeActivation).kid).toBe(k1);

    // At 24 h the new key signs; tokens of the old one still work, and both are published.
    now += hour;
    env.dev.rotateSigningKeys();
    const afterActivation = await token(env);
    expect(decodeProtectedHeader(afterActivation).kid).toBe(k2);
    expect((await call(env, beforeActivation)).status).toBe(200);
    expect((await call(env, afterActivation)).status).toBe(200);
    expect((await jwksKids()).sort()).toEqual([k1, k2].sort());

    // Once the last k1 token has expired (2 h TTL + tolerance), k1 is unpublished.
    now += 2 * hour + 2 * 60_000;
    env.dev.rotateSigningKeys();
    expect(await jwksKids()).toEqual([k2]);
    expect((await call(env, beforeActivation)).status).toBe(401);
    expect((await call(env, await token(env))).status).toBe(200);
  });
});
