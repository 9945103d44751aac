// The token service in a cluster: the operator (with the rights in config/rbac)
// creates the signing-key Secret, publishes its public keys in the snapshot, and a
// gateway given that Secret (as a mount would) issues tokens the API then accepts.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/server/create-gateway.ts';
import { startUpstream, type Upstream } from '../gateway/fixtures.ts';
import { startInProcess, type InProcess } from './support/in-process.ts';
import { SIGNING_KEYS_FIELD } from '../../operator/tokens/secret-signing-keys.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { operatorKubeconfig, type OperatorIdentity } from './operator-identity.ts';
import { eventually } from '../support/wait.ts';

const env = useControlPlane();
const logger = pino({ level: process.env.E2E_LOG ?? 'silent' }, pino.destination(2));
const ISSUER = 'https://api.tollgate.test';
let identity: OperatorIdentity;
let upstream: Upstream;
let gateway: Gateway;
let harness: InProcess | undefined;

beforeAll(async () => {
  identity = await operatorKubeconfig(env.cp);
  upstream = await startUpstream();
  harness = await startInProcess({ kubeconfig: identity.path, leaseNamespace: identity.namespace, logger, tokens: { issuer: ISSUER } });
  ({ gateway } = harness);
}, 90_000);

afterAll(async () => {
  await harness?.close();
  await upstream?.close();
});

describe('the token service with the operator', () => {
  it('signs with the operator-made Secret and the gateway accepts the tokens', async () => {
    const ns = env.namespace;
    await identity.grant(ns);
    // The leader makes the ring in its own namespace, by the name config/rbac grants.
    const ring = await eventually('the signing-key Secret', async () => {
      const out = await env.cp.kubectl(['get', 'secret', 'tollgate-signing-keys', '-n', identity.namespace, '-o', 'json']);
      if (out.code !== 0) return undefined;
      return JSON.parse(Buffer.from(JSON.parse(out.stdout).data[SIGNING_KEYS_FIELD], 'base64').toString()) as { keys: Array<{ kid: string }> };
    });
    // What the kubelet does with a mounted Secret.
    expect(gateway.setSigningKeys(ring)).toEqual({ ok: true });

    await env.cp.kubectlOk(['apply', '-f', '-'], {
      input: `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orders, namespace: ${ns} }
spec: { context: /orders-${ns}, version: v1, upstream: { urls: ["${upstream.url}"] } }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: orders, namespace: ${ns} }
spec: { scopes: [orders:read], operations: [{ api: orders, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: shopper, namespace: ${ns} }
spec: { owner: { email: dev@shop.example }, credentials: [{ name: default }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: shopper-orders, namespace: ${ns} }
spec: { application: shopper, product: { name: orders } }
`,
    });
    const credential = await eventually('the credential Secret', async () => {
      const out = await env.cp.kubectl(['get', 'secret', 'shopper.default', '-n', ns, '-o', 'json']);
      if (out.code !== 0) return undefined;
      const data = JSON.parse(out.stdout).data as Record<string, string>;
      return { key: Buffer.from(data.consumerKey!, 'base64').toString(), secret: Buffer.from(data.consumerSecret!, 'base64').toString() };
    });

    const base = `http://127.0.0.1:${gateway.proxyPort}`;
    const jwks = await eventually('the public key in the snapshot', async () => {
      const res = await fetch(`${base}/.well-known/jwks.json`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { keys: Array<{ kid: string; d?: string }> };
      return body.keys.length ? body : undefined;
    });
    expect(jwks.keys.map((k) => k.kid)).toEqual(ring.keys.map((k) => k.kid));
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const accessToken = await eventually('a token', async () => {
      const res = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${credential.key}:${credential.secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      return res.status === 200 ? ((await res.json()) as { access_token: string; scope: string }) : undefined;
    });
    expect(accessToken.scope).toBe('orders:read');
    const api = await eventually('a 200 with the token', async () => {
      const res = await fetch(`${base}/orders-${ns}/v1/list`, { headers: { authorization: `Bearer ${accessToken.access_token}` } });
      return res.status === 200 ? res : undefined;
    });
    expect(api.status).toBe(200);
    expect(upstream.seen.at(-1)!.headers.authorization).toBeUndefined();

    // Deleting the subscription refuses the token already issued.
    await env.cp.kubectlOk(['delete', 'subscription', 'shopper-orders', '-n', ns]);
    await eventually('a 403 with the same token', async () => {
      const res = await fetch(`${base}/orders-${ns}/v1/list`, { headers: { authorization: `Bearer ${accessToken.access_token}` } });
      return res.status === 403 ? true : undefined;
    });
  });
});
