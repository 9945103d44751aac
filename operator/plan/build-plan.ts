import type { Quota, RateLimit, Snapshot } from '../../gateway/snapshot/types.ts';
import type { CompileResult } from '../compiler/compile.ts';
import { compareStrings } from '../compiler/order.ts';
import { namespacedId, objectId } from '../resources/object-key.ts';
import type { Resources } from '../resources/types.ts';

export interface PlanRoute {
  host: string;
  basePath: string;
  api: string;
  lifecycle: string;
  environments: string[];
  auth: string[];
  upstream: string[];
}

export interface PlanOperation {
  api: string;
  basePaths: string[];
  /** Apigee patterns relative to each base path. */
  paths: string[];
  /** `*` means every method. */
  methods: string[];
  environments: string[];
  quota?: Quota;
  quotaScope: 'operation' | 'product';
}

export interface PlanSubscription {
  subscription: string;
  product: string;
  plan?: string;
  phase: string;
  scopes: string[];
  /** Whether the product takes the application's API keys, or only access tokens; absent when the product is not compiled. */
  apiKeys?: 'Allowed' | 'Refused';
  quota?: Quota;
  rateLimit?: RateLimit;
  operations: PlanOperation[];
}

export interface PlanApplication {
  application: string;
  suspended?: string;
  credentials: Array<{ name: string; state: string }>;
  subscriptions: PlanSubscription[];
}

/** An API's operations and where they came from: spec.operations, the OpenAPI document, or neither (every path). */
export interface PlanApiOperations {
  api: string;
  source: 'spec' | 'document' | 'none';
  /** The gateway answers from the document itself (a Prototyped API without an upstream). */
  mock: boolean;
  operations: Array<{ methods: string[]; path: string; operationId?: string; validated: boolean }>;
}

export interface Plan {
  snapshotVersion: string;
  routes: PlanRoute[];
  operations: PlanApiOperations[];
  access: PlanApplication[];
}

function authSummary(api: Snapshot['apis'][number]): string[] {
  if (!api.auth.required) return ['none'];
  return [
    ...(api.auth.apiKey
      ? [`apiKey(header ${api.auth.apiKey.header}${api.auth.apiKey.queryParameter ? `, query ${api.auth.apiKey.queryParameter}` : ''})`]
      : []),
    ...(api.auth.oauth2 ? ['oauth2'] : []),
    ...api.auth.issuers.map((i) => `jwt(${i.issuer})`),
  ];
}

const intersect = (a: string[], b: string[]): string[] => (!a.length ? b : !b.length ? a : a.filter((x) => b.includes(x)));

/**
 * The effective configuration in terms a reviewer reads: the route table, and
 * which application reaches which operations through which product and plan,
 * with the quota that counts. Built from the compiler's output alone.
 */
export function buildPlan(resources: Resources, result: CompileResult): Plan {
  const { snapshot, statuses } = result;
  const apis = new Map(snapshot.apis.map((a) => [a.id, a]));
  const products = new Map(snapshot.products.map((p) => [p.id, p]));
  const basePaths = new Map<string, string[]>();
  for (const r of snapshot.routes) basePaths.set(r.api, [...(basePaths.get(r.api) ?? []), `${r.host === '*' ? '' : r.host}${r.basePath}`]);

  const routes: PlanRoute[] = snapshot.routes.map((r) => {
    const api = apis.get(r.api)!;
    return {
      host: r.host,
      basePath: r.basePath,
      api: r.api,
      lifecycle: api.lifecycle,
      environments: api.environments,
      auth: authSummary(api),
      upstream: api.openapi?.mock ? ['(mock from its OpenAPI document)'] : api.upstream.urls,
    };
  });

  const phases = new Map(statuses.filter((s) => s.kind === 'Subscription').map((s) => [namespacedId(s.namespace, s.name), String(s.status.phase)]));
  const access: PlanApplication[] = statuses
    .filter((s) => s.kind === 'Application')
    .map((appStatus) => {
      const appId = namespacedId(appStatus.namespace, appStatus.name);
      const app = snapshot.applications.find((a) => a.id === appId);
      // Active subscriptions in the order the gateway tries them; then the others, for the record.
      const subscriptions: PlanSubscription[] = snapshot.subscriptions
        .filter((s) => s.application === appId)
        .map((sub) => {
          const product = products.get(sub.product)!;
          return {
            subscription: sub.id,
            product: product.id,
            ...(sub.plan ? { plan: sub.plan } : {}),
            phase: 'Active',
            scopes: product.scopes,
            apiKeys: product.apiKeys,
            ...(sub.quota ? { quota: sub.quota } : {}),
            ...(sub.rateLimit ? { rateLimit: sub.rateLimit } : {}),
            operations: product.operations.map((op) => {
              const quota = op.quota ?? sub.quota;
              return {
                api: op.api,
                basePaths: basePaths.get(op.api) ?? [],
                paths: op.paths.map((p) => p.pattern),
                methods: op.methods.length ? op.methods : ['*'],
                environments: intersect(product.environments, apis.get(op.api)?.environments ?? []),
                ...(quota ? { quota } : {}),
                quotaScope: op.quota ? ('operation' as const) : ('product' as const),
              };
            }),
          };
        });
      for (const r of resources.subscriptions) {
        const id = objectId(r);
        if (namespacedId(r.metadata.namespace, r.spec.application) !== appId || subscriptions.some((s) => s.subscription === id)) continue;
        const productId = namespacedId(r.spec.product.namespace ?? r.metadata.namespace, r.spec.product.name);
        const apiKeys = products.get(productId)?.apiKeys;
        subscriptions.push({
          subscription: id,
          product: productId,
          phase: phases.get(id) ?? 'Invalid',
          scopes: [],
          ...(apiKeys ? { apiKeys } : {}),
          operations: [],
        });
      }
      const credentials = ((appStatus.status.credentials ?? []) as Array<{ name: string; state: string }>).map((c) => ({ name: c.name, state: c.state }));
      return { application: appId, ...(app?.suspended ? { suspended: app.suspended } : {}), credentials, subscriptions };
    })
    .sort((a, b) => compareStrings(a.application, b.application));
  return { snapshotVersion: snapshot.version, routes, operations: apiOperations(resources, snapshot), access };
}

/** Per routed API, its operations as the gateway serves them, and whether the OpenAPI document gave them. */
function apiOperations(resources: Resources, snapshot: Snapshot): PlanApiOperations[] {
  const declared = new Map(resources.apis.map((r) => [objectId(r), r.spec.operations !== undefined]));
  return snapshot.apis.map((api) => {
    const source = declared.get(api.id) ? 'spec' : api.operations ? 'document' : 'none';
    const operations = api.openapi
      ? api.openapi.operations.map((op) => ({
          methods: [op.method],
          path: op.match.pattern,
          ...(op.operationId !== undefined ? { operationId: op.operationId } : {}),
          validated: op.validateRequest,
        }))
      : (api.operations ?? []).map((op) => ({ methods: op.methods.length ? op.methods : ['*'], path: op.match.pattern, validated: false }));
    operations.sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.methods.join(), b.methods.join()));
    return { api: api.id, source, mock: api.openapi?.mock ?? false, operations };
  });
}
