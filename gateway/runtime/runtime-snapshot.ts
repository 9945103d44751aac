import { CredentialIndex } from '../auth/credential-index.ts';
import { builtInVerifier, externalVerifier, type IssuerVerifier, type RemoteKeySets } from '../auth/jwt-verifier.ts';
import type { AuthConfig } from '../auth/authenticate.ts';
import { operationId, type ProductRuntime } from '../authorize/authorize.ts';
import { UpstreamClients, UpstreamPool } from '../proxy/upstream-pool.ts';
import { RouteTable } from '../router/route-table.ts';
import { compileCorsPolicy, type CorsPolicy } from '../cors/cors-policy.ts';
import { lifecycleHeaders } from './lifecycle-headers.ts';
import { openApiRuntime, type OpenApiRuntime } from '../openapi/openapi-runtime.ts';
import type { Api, InactiveSubscription, Route, Snapshot, Subscription } from '../snapshot/types.ts';
import { compileApiPolicies, compileOperationPolicies, type ApiPolicyRuntime } from '../policies/api-policies.ts';
import type { OperationEntry } from '../authorize/authorize.ts';
import { applicationPolicies } from '../policies/application-policies.ts';
import type { CompiledIpAccess } from '../policies/ip-access.ts';
import type { CertificateIndex } from '../auth/client-certificate.ts';
import { upstreamFor } from '../policies/backend-certificate.ts';
import type { SecretStore } from '../policies/secret-store.ts';

export interface ApiRuntime {
  api: Api;
  pool: UpstreamPool;
  auth: AuthConfig;
  /** Headers every answer of a Deprecated or Retired API carries. */
  lifecycleHeaders: Record<string, string>;
  cors?: CorsPolicy;
  /** The API's policies (gateway/POLICIES.md); absent when it declares none, so their steps cost nothing. */
  policies?: ApiPolicyRuntime;
  /** The OpenAPI document's operations with their validators (compiled here, once) and mock responses. */
  openapi?: OpenApiRuntime;
}

/** A path several APIs share, one per environment, at a gateway that serves no environment in particular. */
export interface PerEnvironmentRoute {
  perEnvironment: string[];
}

export type RouteTarget = ApiRuntime | PerEnvironmentRoute;

/** A snapshot turned into the structures a request needs; built once, never changed, swapped whole. */
export interface RuntimeSnapshot {
  snapshot: Snapshot;
  version: string;
  routes: RouteTable<RouteTarget>;
  /** The APIs deployed to this gateway's environment, by id (MCP tools find their API here). */
  apis: Map<string, ApiRuntime>;
  /** Only the products deployed to this gateway's environment, so request-time code never checks environments. */
  products: Map<string, ProductRuntime>;
  credentials: CredentialIndex;
  /** Subscriptions to the products above only. */
  subscriptionsByApplication: Map<string, Subscription[]>;
  /** Kept apart from the active ones so that nothing that grants access can reach them. */
  inactiveSubscriptionsByApplication: Map<string, InactiveSubscription[]>;
  /** Applications' IP rules, by application id; absent when none has any. */
  applicationIpAccess: Map<string, CompiledIpAccess> | undefined;
  /** Applications' client certificates; absent when none has any. */
  certificates: CertificateIndex | undefined;
}

export interface RuntimeCaches {
  clients: UpstreamClients;
  keySets: RemoteKeySets;
  /** Pools by API and upstream, reused while they are unchanged so that ejection state survives a reload. */
  pools: Map<string, UpstreamPool>;
  /** Where backend client certificates are read from when a snapshot is applied. */
  secrets?: SecretStore;
}

/**
 * What this gateway serves at each (host, base path). The snapshot lets APIs of
 * disjoint environments share one; a gateway of one environment keeps at most one
 * of them, and a gateway of none refuses the path rather than guess (or fall
 * through to a shorter base path of another API).
 */
function routeTargets(routes: readonly Route[], apis: Map<string, ApiRuntime>): Map<Route, RouteTarget> {
  const byPair = new Map<string, { routes: Route[]; served: ApiRuntime[] }>();
  for (const route of routes) {
    const served = apis.get(route.api);
    if (!served) continue;
    const key = `${route.host} ${route.basePath}`;
    const pair = byPair.get(key) ?? { routes: [], served: [] };
    byPair.set(key, pair);
    pair.routes.push(route);
    pair.served.push(served);
  }
  const targets = new Map<Route, RouteTarget>();
  for (const { routes: shared, served } of byPair.values()) {
    const target: RouteTarget = served.length === 1 ? served[0]! : { perEnvironment: served.flatMap((a) => a.api.environments).sort() };
    for (const route of shared) targets.set(route, target);
  }
  return targets;
}

export function buildRuntime(snapshot: Snapshot, caches: RuntimeCaches, environment: string | undefined): RuntimeSnapshot {
  const builtIn = snapshot.tokens ? builtInVerifier(snapshot.tokens) : undefined;
  const pools = new Map<string, UpstreamPool>();
  const apis = new Map<string, ApiRuntime>();
  for (const api of snapshot.apis) {
    // An API not deployed to this gateway's environment is not routed here at all.
    if (!deployedTo(api.environments, environment)) continue;
    const connect = upstreamFor(api.upstream, api.policies?.backendAuth, caches.secrets);
    const poolKey = `${api.id} ${JSON.stringify(api.upstream)} ${connect.upstream.clientCertificate?.digest ?? ''}`;
    const pool = caches.pools.get(poolKey) ?? new UpstreamPool(connect.upstream, caches.clients);
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
    if (api.policies) runtime.policies = compileApiPolicies(api.id, api.policies, connect.missing);
    if (api.openapi) runtime.openapi = openApiRuntime(api.openapi);
    apis.set(api.id, runtime);
  }

  const products = new Map<string, ProductRuntime>();
  for (const product of snapshot.products) {
    // A product deployed elsewhere grants nothing here; without it, its subscriptions refuse as `not-subscribed`.
    if (!deployedTo(product.environments, environment)) continue;
    const operationsByApi: ProductRuntime['operationsByApi'] = new Map();
    for (const operation of product.operations) {
      let list = operationsByApi.get(operation.api);
      if (!list) operationsByApi.set(operation.api, (list = []));
      const entry: OperationEntry = { operation, id: operationId(operation) };
      if (operation.policies) entry.policies = compileOperationPolicies(`${product.id} ${entry.id}`, operation.policies);
      list.push(entry);
    }
    products.set(product.id, { product, operationsByApi });
  }

  const subscriptionsByApplication = byApplication(snapshot.subscriptions.filter((s) => products.has(s.product)));
  const inactiveSubscriptionsByApplication = byApplication(snapshot.inactiveSubscriptions.filter((s) => products.has(s.product)));

  const targets = routeTargets(snapshot.routes, apis);
  const { ipAccess: applicationIpAccess, certificates } = applicationPolicies(snapshot.applications);
  const runtime: RuntimeSnapshot = {
    snapshot,
    version: snapshot.version,
    routes: new RouteTable(snapshot.routes, (route) => targets.get(route)),
    apis,
    products,
    credentials: new CredentialIndex(snapshot.applications),
    subscriptionsByApplication,
    inactiveSubscriptionsByApplication,
    applicationIpAccess,
    certificates,
  };
  // Only once nothing above has thrown: a snapshot refused half-way leaves the caches as they were.
  caches.pools.clear();
  for (const [k, v] of pools) caches.pools.set(k, v);
  return runtime;
}

/** Whether something deployed to `environments` (none: every one) is served by a gateway of `environment` (none: every one). */
function deployedTo(environments: readonly string[], environment: string | undefined): boolean {
  return environment === undefined || environments.length === 0 || environments.includes(environment);
}

/** Groups subscriptions per application, keeping the snapshot's order (the order authorisation tries them). */
function byApplication<T extends { application: string }>(subscriptions: readonly T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const subscription of subscriptions) {
    let list = grouped.get(subscription.application);
    if (!list) grouped.set(subscription.application, (list = []));
    list.push(subscription);
  }
  return grouped;
}
