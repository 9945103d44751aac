import type { ProductMcp, Snapshot } from '../../gateway/snapshot/types.ts';
import type { CompileResult } from '../compiler/compile.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { compareStrings } from '../compiler/order.ts';
import { namespacedId, objectId } from '../resources/object-key.ts';
import type { ApiResource, ApplicationResource, ProductResource, Resources, SubscriptionResource } from '../resources/types.ts';
import { atGateway, synthesisedDocs, type ApiDocs } from './api-docs.ts';
import { limitsInWords, type Quota, type RateLimit } from './limits-in-words.ts';

export type Access = 'public' | 'private' | 'internal';

export interface PortalPlan {
  name: string;
  displayName: string;
  description?: string;
  quota?: Quota;
  rateLimit?: RateLimit;
  /** "10 requests every 2 hours; at most 50 a second (bursts of 100)". */
  inWords: string;
}

export interface PortalProductApi {
  id: string;
  displayName: string;
  version: string;
  lifecycle: string;
  /** What each product operation covers, in words: "GET /forecastrss". */
  operations: string[];
}

export interface PortalProduct {
  id: string;
  namespace: string;
  name: string;
  displayName: string;
  /** Markdown, as written; the portal sanitises it when it renders. */
  description: string;
  access: Access;
  /** Namespaces that may subscribe (and see a private product): its own and those it lists. Empty for public. */
  allowedNamespaces: string[];
  approvalType: 'auto' | 'manual';
  categories: string[];
  tags: string[];
  plans: PortalPlan[];
  defaultPlan: string;
  apis: PortalProductApi[];
  /** The compiler accepted it; a product that is not does not take subscriptions. */
  accepted: boolean;
  /** Its MCP endpoint and tools (issue 19), when it has MCP enabled. */
  mcp?: PortalMcp;
}

export interface PortalMcp {
  /** At the gateway: `https://gw/mcp/<namespace>/<name>`. */
  endpoint: string;
  tools: Array<{ name: string; description: string; destructive: boolean; scope?: string }>;
}

export interface PortalApi {
  id: string;
  namespace: string;
  name: string;
  displayName: string;
  description: string;
  version: string;
  basePath: string;
  lifecycle: string;
  /** Deprecated, mock (Prototyped), Retired or Blocked; none when Published. */
  badge?: string;
  sunset?: string;
  deprecationLink?: string;
  docs: ApiDocs;
  /** Products bundling this API, by id. */
  products: string[];
}

export interface PortalCredential {
  name: string;
  keyPrefix?: string;
  state: string;
  issuedAt?: string;
  expiresAt?: string;
}

export interface PortalApplication {
  id: string;
  namespace: string;
  name: string;
  displayName: string;
  description: string;
  owner: string;
  suspended: boolean;
  credentials: PortalCredential[];
  /** The Accepted condition's message when it is not True. */
  problem?: string;
}

export interface PortalSubscription {
  id: string;
  namespace: string;
  name: string;
  application: string;
  product: string;
  plan: string;
  /** Active, PendingApproval, Revoked, Rejected or Invalid. */
  phase: string;
  approval?: { decision: string; by: string; at: string; reason?: string };
  problem?: string;
}

/** What the portal reads: the catalogue and every team's applications and subscriptions, never the gateway snapshot. */
export interface PortalView {
  products: PortalProduct[];
  apis: PortalApi[];
  applications: PortalApplication[];
  subscriptions: PortalSubscription[];
}

export interface PortalViewOptions {
  /** Where developers reach the gateway, for the reference documents' servers. */
  gatewayOrigin: string;
}

/**
 * The portal view: pure and deterministic, from the same inputs the compiler reads
 * and the statuses it computed. Created APIs (not routed) are left out, as are the
 * operations of products whose APIs are not there.
 */
export function portalView(
  resources: Resources,
  result: Pick<CompileResult, 'statuses' | 'docs'> & { snapshot?: Snapshot },
  options: PortalViewOptions,
): PortalView {
  const statuses = new Map(result.statuses.map((s) => [`${s.kind}/${s.namespace}/${s.name}`, s]));
  const status = (kind: string, r: { metadata: { namespace: string; name: string } }) => statuses.get(`${kind}/${r.metadata.namespace}/${r.metadata.name}`);
  const apisById = new Map(resources.apis.map((a) => [objectId(a), a]));
  const mcp = new Map((result.snapshot?.products ?? []).flatMap((p) => (p.mcp ? [[p.id, mcpOf(p.id, p.mcp, options.gatewayOrigin)] as const] : [])));
  const products = resources.products
    .map((p) => {
      const product = productOf(p, apisById, status('APIProduct', p));
      const tools = mcp.get(product.id);
      return tools ? { ...product, mcp: tools } : product;
    })
    .sort(byId);
  // The compiler's bundle of each API's own OpenAPI document; APIs without one get a synthesised document.
  const docs = new Map(result.docs.map((d) => [namespacedId(d.namespace, d.name), atGateway(d, options.gatewayOrigin)]));
  const bundling = new Map<string, string[]>();
  for (const p of products) for (const a of p.apis) (bundling.get(a.id) ?? bundling.set(a.id, []).get(a.id)!).push(p.id);
  const apis = resources.apis
    .filter((a) => a.spec.lifecycle !== 'Created')
    .map((a) => apiOf(a, docs.get(objectId(a)) ?? synthesisedDocs(a, options.gatewayOrigin), bundling.get(objectId(a)) ?? []))
    .sort(byId);
  return {
    products,
    apis,
    applications: resources.applications.map((a) => applicationOf(a, status('Application', a))).sort(byId),
    subscriptions: resources.subscriptions.map((s) => subscriptionOf(s, status('Subscription', s))).sort(byId),
  };
}

const byId = (a: { id: string }, b: { id: string }) => compareStrings(a.id, b.id);

function attributeList(p: ProductResource, name: string): string[] {
  const values = (p.spec.attributes ?? []).filter((a) => a.name === name).flatMap((a) => a.value.split(','));
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))].sort(compareStrings);
}

function productOf(p: ProductResource, apis: Map<string, ApiResource>, status: ObjectStatus | undefined): PortalProduct {
  const { spec, metadata } = p;
  const plans: PortalPlan[] = spec.plans?.length
    ? spec.plans.map((plan) => planOf(plan.name, plan.displayName ?? plan.name, plan.description, plan.quota ?? spec.quota, plan.rateLimit ?? spec.rateLimit))
    : [planOf('', 'Default', undefined, spec.quota, spec.rateLimit)];
  const byApi = new Map<string, PortalProductApi>();
  for (const op of spec.operations) {
    const api = apis.get(namespacedId(metadata.namespace, op.api));
    if (!api || api.spec.lifecycle === 'Created') continue;
    const id = objectId(api);
    const entry = byApi.get(id) ?? {
      id,
      displayName: api.spec.displayName ?? api.metadata.name,
      version: api.spec.version,
      lifecycle: api.spec.lifecycle,
      operations: [],
    };
    const methods = op.methods?.length ? op.methods.join(', ') : 'any method';
    for (const path of op.paths) entry.operations.push(`${methods} ${path}${op.quota ? ` (${limitsInWords(op.quota, undefined)})` : ''}`);
    byApi.set(id, entry);
  }
  return {
    id: objectId(p),
    namespace: metadata.namespace,
    name: metadata.name,
    displayName: spec.displayName ?? metadata.name,
    description: spec.description ?? '',
    access: spec.access ?? 'public',
    allowedNamespaces: (spec.access ?? 'public') === 'public' ? [] : [...new Set([metadata.namespace, ...(spec.allowedNamespaces ?? [])])].sort(compareStrings),
    approvalType: spec.approvalType ?? 'auto',
    categories: attributeList(p, 'category'),
    tags: attributeList(p, 'tags'),
    plans,
    defaultPlan: spec.defaultPlan ?? plans[0]!.name,
    apis: [...byApi.values()].sort(byId),
    accepted: isTrue(status, 'Accepted'),
  };
}

/** The tools as a developer reads them: what each does, and which change things (and need a scope). */
function mcpOf(id: string, mcp: ProductMcp, gatewayOrigin: string): PortalMcp {
  return {
    endpoint: `${gatewayOrigin.replace(/\/$/, '')}/mcp/${id}`,
    tools: mcp.tools.map((t) => ({ name: t.name, description: t.description, destructive: t.destructive, ...(t.scope ? { scope: t.scope } : {}) })),
  };
}

function planOf(name: string, displayName: string, description: string | undefined, quota: Quota | undefined, rateLimit: RateLimit | undefined): PortalPlan {
  return {
    name,
    displayName,
    ...(description ? { description } : {}),
    ...(quota ? { quota: { limit: quota.limit, interval: quota.interval ?? 1, timeUnit: quota.timeUnit } } : {}),
    ...(rateLimit ? { rateLimit: { requests: rateLimit.requests, per: rateLimit.per, burst: rateLimit.burst } } : {}),
    inWords: limitsInWords(quota, rateLimit),
  };
}

const BADGES: Record<string, string> = { Prototyped: 'mock', Deprecated: 'Deprecated', Retired: 'Retired', Blocked: 'Blocked' };

function apiOf(a: ApiResource, docs: ApiDocs, products: string[]): PortalApi {
  const { spec, metadata } = a;
  const badge = BADGES[spec.lifecycle];
  return {
    id: objectId(a),
    namespace: metadata.namespace,
    name: metadata.name,
    displayName: spec.displayName ?? metadata.name,
    description: spec.description ?? '',
    version: spec.version,
    basePath: `${spec.context}/${spec.version}`,
    lifecycle: spec.lifecycle,
    ...(badge ? { badge } : {}),
    ...(spec.sunset ? { sunset: spec.sunset } : {}),
    ...(spec.deprecationLink ? { deprecationLink: spec.deprecationLink } : {}),
    docs,
    products: products.sort(compareStrings),
  };
}

function applicationOf(a: ApplicationResource, status: ObjectStatus | undefined): PortalApplication {
  const { spec, metadata } = a;
  const reported = new Map(((status?.status.credentials as PortalCredential[] | undefined) ?? []).map((c) => [c.name, c]));
  const problem = problemOf(status);
  return {
    id: objectId(a),
    namespace: metadata.namespace,
    name: metadata.name,
    displayName: spec.displayName ?? metadata.name,
    description: spec.description ?? '',
    owner: spec.owner.name ? `${spec.owner.name} <${spec.owner.email}>` : spec.owner.email,
    suspended: Boolean(spec.suspended || spec.owner.suspended),
    credentials: (spec.credentials ?? []).map((c) => credentialOf(c.name, c.revoked, reported.get(c.name))),
    ...(problem ? { problem } : {}),
  };
}

function credentialOf(name: string, revoked: boolean | undefined, reported: PortalCredential | undefined): PortalCredential {
  const state = revoked ? 'Revoked' : (reported?.state ?? 'Pending');
  return {
    name,
    state,
    ...(reported?.keyPrefix ? { keyPrefix: reported.keyPrefix } : {}),
    ...(reported?.issuedAt ? { issuedAt: reported.issuedAt } : {}),
    ...(reported?.expiresAt ? { expiresAt: reported.expiresAt } : {}),
  };
}

function subscriptionOf(s: SubscriptionResource, status: ObjectStatus | undefined): PortalSubscription {
  const { spec, metadata } = s;
  const problem = problemOf(status);
  const phase = (status?.status.phase as string | undefined) ?? 'Invalid';
  return {
    id: objectId(s),
    namespace: metadata.namespace,
    name: metadata.name,
    application: namespacedId(metadata.namespace, spec.application),
    product: namespacedId(spec.product.namespace ?? metadata.namespace, spec.product.name),
    plan: (status?.status.plan as string | undefined) ?? spec.plan ?? '',
    phase,
    ...(spec.approval ? { approval: { ...spec.approval } } : {}),
    ...(problem && phase !== 'PendingApproval' ? { problem } : {}),
  };
}

function isTrue(status: ObjectStatus | undefined, type: string): boolean {
  return status?.status.conditions.some((c) => c.type === type && c.status === 'True') ?? false;
}

function problemOf(status: ObjectStatus | undefined): string | undefined {
  const bad = status?.status.conditions.find((c) => (c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status === 'False');
  return bad?.message;
}
