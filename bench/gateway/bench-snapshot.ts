// The one API, product, application and subscription every gateway target serves:
// an API key, a quota on the subscription, forwarding to the bench backend.
// With `policies`, the representative policy set of issue 18 on the API: two header
// rules, a path rewrite, an IP allow list and backend basic auth (a Secret in `secretsDir`).
import { createHash } from 'node:crypto';
import type { ApiPolicies } from '../../gateway/snapshot/types.ts';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';

/** The Secret `bench/backend` the policy set's basic auth reads, as files under the secrets directory. */
export const BENCH_SECRET = { namespace: 'bench', name: 'backend', data: { username: 'bench-gateway', password: 'bench-password' } };

export const BENCH_POLICIES: ApiPolicies = {
  requestHeaders: { remove: ['x-debug'], rename: [], set: [{ name: 'x-caller', value: '${application} via ${product}' }], add: [] },
  rewrite: [{ match: { pattern: '/greet', segments: ['greet'], rest: 'none' }, params: [''], to: '/v2/greeting' }],
  ipAccess: { allow: ['127.0.0.0/8', '::1/128'], deny: [] },
  backendAuth: { kind: 'basic', secret: { namespace: BENCH_SECRET.namespace, name: BENCH_SECRET.name } },
};

export function benchSnapshot(upstream: string, key: string, policies?: ApiPolicies) {
  return sealSnapshot({
    schema: 'tollgate.dev/snapshot/v1',
    routes: [{ host: '*', basePath: '/hello/1.0.0', api: 'bench/hello' }],
    apis: [
      {
        id: 'bench/hello',
        namespace: 'bench',
        name: 'hello',
        displayName: 'Hello',
        context: '/hello',
        version: '1.0.0',
        lifecycle: 'Published',
        environments: [],
        upstream: { urls: [upstream], connectTimeoutMs: 1_000, timeoutMs: 10_000, retries: 1 },
        auth: { required: true, apiKey: { header: 'x-api-key' }, oauth2: false, issuers: [] },
        ...(policies ? { policies } : {}),
      },
    ],
    products: [
      {
        id: 'bench/gold',
        namespace: 'bench',
        name: 'gold',
        displayName: 'Gold',
        environments: [],
        scopes: [],
        apiKeys: 'Allowed',
        access: 'public',
        operations: [{ api: 'bench/hello', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] }],
        quotaFailureMode: 'open',
      },
    ],
    applications: [
      {
        id: 'bench/app',
        namespace: 'bench',
        name: 'app',
        credentials: [{ name: 'main', keyHash: 'sha256:' + createHash('sha256').update(key).digest('hex'), revoked: false }],
        externalClients: [],
      },
    ],
    subscriptions: [{ id: 'bench/app-gold', application: 'bench/app', product: 'bench/gold', quota: { limit: 1_000_000_000, interval: 1, timeUnit: 'day' } }],
    inactiveSubscriptions: [],
  });
}
