import { API_VERSION, emptyResources, type Resources } from '../../operator/resources/types.ts';

export interface EstateCounts {
  apis: number;
  products: number;
  applications: number;
  subscriptions: number;
}

/**
 * A synthetic estate: `scale` 1 is 10,000 APIs, 2,000 products, 50,000 applications (two credentials each), 100,000 subscriptions;
 * `counts` overrides any of them (the dev-start bench has fewer APIs per application than scale 1).
 */
export function generateResources(scale: number, counts: Partial<EstateCounts> = {}): Resources {
  const r = emptyResources();
  const nApis = counts.apis ?? Math.round(10_000 * scale);
  const nProducts = counts.products ?? Math.round(2_000 * scale);
  const nApps = counts.applications ?? Math.round(50_000 * scale);
  const nSubs = counts.subscriptions ?? Math.round(100_000 * scale);
  const ns = (i: number) => `team-${i % 50}`;
  const meta = (name: string, namespace: string, i: number) => ({
    name,
    namespace,
    generation: 1,
    creationTimestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
  });
  for (let i = 0; i < nApis; i++) {
    r.apis.push({
      apiVersion: API_VERSION,
      kind: 'API',
      metadata: meta(`api-${i}`, ns(i), i),
      spec: {
        context: `/svc-${i}`,
        version: 'v1',
        isDefaultVersion: i % 3 === 0,
        lifecycle: 'Published',
        upstream: { urls: [`http://10.0.${(i >> 8) & 255}.${i & 255}:8080`], connectTimeout: '5s', timeout: '30s', retries: 1 },
        operations: [
          { path: '/items', methods: ['GET', 'POST'] },
          { path: '/items/{id}', methods: ['GET', 'PUT', 'DELETE'] },
        ],
        auth: { none: false, apiKey: { enabled: true, header: 'apikey' }, oauth2: { enabled: true } },
      },
    });
  }
  for (let i = 0; i < nProducts; i++) {
    const namespace = ns(i);
    // Five APIs of the product's own namespace (APIs i, i+50, ... share namespace i % 50).
    const apis = [0, 1, 2, 3, 4]
      .map((k) => `api-${(i + k * 50 * Math.max(1, Math.floor(nApis / 250))) % nApis}`)
      .filter((n) => ns(Number(n.slice(4))) === namespace);
    r.products.push({
      apiVersion: API_VERSION,
      kind: 'APIProduct',
      metadata: meta(`product-${i}`, namespace, i),
      spec: {
        access: 'public',
        approvalType: i % 10 === 0 ? 'manual' : 'auto',
        quotaFailureMode: 'open',
        scopes: ['read', 'write'],
        operations: apis.map((api, k) => ({ api, paths: k % 2 ? ['/items/*'] : ['/', '/items/**'], methods: ['GET'] })),
        quota: { limit: 1000, interval: 1, timeUnit: 'day' },
        plans: [
          { name: 'gold', quota: { limit: 100_000, interval: 1, timeUnit: 'month' }, rateLimit: { requests: 100, per: 'second', burst: 50 } },
          { name: 'bronze', quota: { limit: 1000, interval: 1, timeUnit: 'day' } },
        ],
      },
    });
  }
  for (let i = 0; i < nApps; i++) {
    const namespace = `apps-${i % 100}`;
    r.applications.push({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: meta(`app-${i}`, namespace, i),
      spec: {
        owner: { email: `dev${i}@example.com`, suspended: false },
        suspended: i % 997 === 0,
        credentials: [
          { name: 'old', revoked: false, expiresIn: '90d' },
          { name: 'new', revoked: false },
        ],
      },
    });
    for (const name of ['old', 'new']) {
      const hex = (i * 2 + (name === 'new' ? 1 : 0)).toString(16).padStart(64, '0');
      r.credentials.push({
        application: `${namespace}/app-${i}`,
        name,
        keyHash: `sha256:${hex}`,
        secretHash: `sha256:${hex}`,
        keyPrefix: 'tg_x',
        issuedAt: '2025-06-01T00:00:00Z',
      });
    }
  }
  for (let i = 0; i < nSubs; i++) {
    const app = i % nApps;
    r.subscriptions.push({
      apiVersion: API_VERSION,
      kind: 'Subscription',
      metadata: meta(`sub-${i}`, `apps-${app % 100}`, i),
      spec: {
        application: `app-${app}`,
        product: { name: `product-${(i * 7 + Math.floor(i / nApps)) % nProducts}`, namespace: ns((i * 7 + Math.floor(i / nApps)) % nProducts) },
        plan: i % 2 ? 'gold' : 'bronze',
        state: 'Active',
        ...(((i * 7 + Math.floor(i / nApps)) % nProducts) % 10 === 0
          ? { approval: { decision: 'Approved' as const, by: 'approver', at: '2025-06-01T00:00:00Z' } }
          : {}),
      },
    });
  }
  return r;
}
