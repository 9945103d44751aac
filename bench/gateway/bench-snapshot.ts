// The one API, product, application and subscription every gateway target serves:
// an API key, a quota on the subscription, forwarding to the bench backend.
import { createHash } from 'node:crypto';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';

export function benchSnapshot(upstream: string, key: string) {
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
