import { CredentialIndex } from '../auth/credential-index.ts';
import { builtInVerifier, externalVerifier, type IssuerVerifier, type RemoteKeySets } from '../auth/jwt-verifier.ts';
import type { AuthConfig } from '../auth/authenticate.ts';
import { operationId, type ProductRuntime } from '../authorize/authorize.ts';
import { UpstreamClients, UpstreamPool } from '../proxy/upstream-pool.ts';
import { RouteTable } from '../router/route-table.ts';
import { compileCorsPolicy, type CorsPolicy } from '../cors/cors-policy.ts';
import { lifecycleHeaders } from './lifecycle-headers.ts';
import type { Api, Snapshot, Subscription } from '../snapshot/types.ts';

export interface ApiRuntime {
  api: Api;
  pool: UpstreamPool;
  auth: AuthConfig;
  /** Headers every answer of a Deprecated or Retired API carries. */
  lifecycleHeaders: Record<string, string>;
  cors?: CorsPolicy;
}

/** A snapshot turned into the structures a request needs; built once, never changed, swapped whole. */
export interface RuntimeSnapshot {
  snapshot: Snapshot;
  version: string;
  routes: RouteTable<ApiRuntime>;
  products: Map<string, ProductRuntime>;
  credentials: CredentialIndex;
  subscriptionsByApplication: Map<string, Subscription[]>;
}

export interface RuntimeCaches {
  clients: UpstreamClients;
  keySets: RemoteKeySets;
  /** Pools by API and upstream, reused while they are unchanged so that ejection state survives a reload. */
  pools: Map<string, UpstreamPool>;
}

export function buildRuntime(snapshot: Snapshot, caches: RuntimeCaches, environment: string | undefined): RuntimeSnapshot {
  const builtIn = snapshot.tokens ? builtInVerifier(snapshot.tokens) : undefined;
  const pools = new Map<string, UpstreamPool>();
  const apis = new Map<string, ApiRuntime>();
  for (const api of snapshot.apis) {
    // An API not deployed to this gateway's environment is not routed here at all.
    if (environment !== undefined && api.environments.length && !api.environments.includes(environment)) continue;
    const poolKey = `${api.id} ${JSON.stringify(api.upstream)}`;
    const pool = caches.pools.get(poolKey) ?? new UpstreamPool(api.upstream, caches.clients);
    pools.set(poolKey, pool);
    const verifiers = new Map<string, IssuerVerifier>();
    if (api.auth.oauth2 && builtIn) verifiers.set(builtIn.issuer, builtIn);
    for (const issuer of api.auth.issuers) verifiers.set(issuer.issuer, externalVerifier(issuer, caches.keySets));
    const auth: AuthConfig = { verifiers };
    if (api.auth.apiKey) {
      auth.apiKeyHeader = api.auth.apiKey.header.toLowerCase();
      if (api.auth.apiKey.queryParameter) auth.apiKeyQuery = api.auth.apiKey.queryParameter;
    }
    const runtime: ApiRuntime = { api, pool, auth, lifecycleHeaders: lifecycleHeaders(api) };
    if (api.cors) runtime.cors = compileCorsPolicy(api.cors);
    apis.set(api.id, runtime);
  }

  const products = new Map<string, ProductRuntime>();
  for (const product of snapshot.products) {
    const operationsByApi: ProductRuntime['operationsByApi'] = new Map();
    for (const operation of product.operations) {
      let list = operationsByApi.get(operation.api);
      if (!list) operationsByApi.set(operation.api, (list = []));
      list.push({ operation, id: operationId(operation) });
    }
    products.set(product.id, { product, operationsByApi });
  }

  const subscriptionsByApplication = new Map<string, Subscription[]>();
  for (const subscription of snapshot.subscriptions) {
    let list = subscriptionsByApplication.get(subscription.application);
    if (!list) subscriptionsByApplication.set(subscription.application, (list = []));
    list.push(subscription);
  }

  const runtime: RuntimeSnapshot = {
    snapshot,
    version: snapshot.version,
    routes: new RouteTable(snapshot.routes, (route) => apis.get(route.api)),
    products,
    credentials: new CredentialIndex(snapshot.applications),
    subscriptionsByApplication,
  };
  // Only once nothing above has thrown: a snapshot refused half-way leaves the caches as they were.
  caches.pools.clear();
  for (const [k, v] of pools) caches.pools.set(k, v);
  return runtime;
}
