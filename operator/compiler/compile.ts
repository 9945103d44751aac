import type { Snapshot, TokenIssuer } from '../../gateway/snapshot/types.ts';
import { SNAPSHOT_SCHEMA } from '../../gateway/snapshot/types.ts';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';
import type { AnyResource, Resources } from '../resources/types.ts';
import type { ConditionSet, Finding } from './conditions.ts';
import type { ObjectStatus } from './object-status.ts';
import { compareStrings } from './order.ts';
import { apiDocs } from './api-docs.ts';
import type { ApiDocs } from '../openapi/docs-bundle.ts';
import { apiStatus, processApis } from './process-api.ts';
import { applicationStatus, processApplications, type SecretSource } from './process-application.ts';
import { processProducts, productStatus } from './process-product.ts';
import { activeSubscriptions, inactiveSubscriptions, processSubscriptions, subscriptionStatus } from './process-subscription.ts';

export interface CompileOptions {
  /** The time credential expiry is judged against (for status only: gateways check expiry per request). */
  now: Date;
  /** The built-in token service's public keys, when it runs. */
  tokens?: TokenIssuer;
  /**
   * Where the Secrets of bring-your-own keys (`credentials[].secretRef`) were looked
   * up: in the cluster (the default), in `tollgate dev`'s state directory, or nowhere
   * (`tollgate validate` on a repository, where Secrets never are), which makes an
   * unresolved reference a note instead of `RefNotFound`.
   */
  secrets?: SecretSource;
  /** Namespaces where the operator may not read or create Secrets (not opted in): their generated credentials cannot exist. */
  secretsForbidden?: readonly string[];
}

export interface CompileResult {
  snapshot: Snapshot;
  /** One per input object, sorted by kind, namespace and name. */
  statuses: ObjectStatus[];
  /** What the conditions say, one entry per problem, for `tollgate validate` and logs. */
  findings: ObjectFinding[];
  /** One docs bundle per routed API version with an OpenAPI document, for the developer portal; sorted by namespace, name. */
  docs: ApiDocs[];
}

export interface ObjectFinding extends Finding {
  object: AnyResource;
}

const byId = <T extends { id: string }>(items: T[]): T[] => items.sort((a, b) => compareStrings(a.id, b.id));

/**
 * Resources in, gateway snapshot and every object's status out. Pure and
 * deterministic: no I/O, no clock (time comes in `options.now`), and no throw
 * on user input — a mistake becomes a condition on the object that made it,
 * and everything else still compiles.
 */
export function compile(resources: Resources, options: CompileOptions): CompileResult {
  const apis = processApis(resources.apis, resources.openApi);
  const products = processProducts(resources.products, apis.outcomes);
  const applications = processApplications(resources.applications, resources.credentials, options.now, options.secrets ?? 'cluster', options.secretsForbidden);
  const subscriptions = processSubscriptions(resources.subscriptions, applications, products);

  const ranked = [...applications.values()].sort((a, b) => compareStrings(a.application.id, b.application.id));
  for (let i = 0; i < ranked.length; i++) ranked[i]!.rank = i;

  const snapshot = sealSnapshot({
    schema: SNAPSHOT_SCHEMA,
    routes: apis.routes,
    apis: byId([...apis.outcomes.values()].flatMap((o) => (o.api ? [o.api] : []))),
    products: byId([...products.values()].flatMap((o) => (o.product ? [o.product] : []))),
    applications: ranked.map((o) => o.application),
    subscriptions: activeSubscriptions(subscriptions, ranked.length),
    inactiveSubscriptions: inactiveSubscriptions(subscriptions),
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });

  // Kinds in code-unit order (API < APIProduct < Application < Subscription), each sorted by namespace and name: the
  // order one sort of everything by kind, namespace and name gives, with four short sorts instead of one long one.
  const statuses = byName([...apis.outcomes.values()].map(apiStatus)).concat(
    byName([...products.values()].map(productStatus)),
    byName([...applications.values()].map(applicationStatus)),
    byName(subscriptions.map(subscriptionStatus)),
  );
  const findings: ObjectFinding[] = [];
  const addFindings = (o: { resource: AnyResource; conditions: ConditionSet }) => {
    const found = o.conditions.findings;
    for (let i = 0; i < found.length; i++) findings.push({ ...found[i]!, object: o.resource });
  };
  apis.outcomes.forEach(addFindings);
  products.forEach(addFindings);
  applications.forEach(addFindings);
  subscriptions.forEach(addFindings);
  return { snapshot, statuses, findings, docs: apiDocs(apis.outcomes) };
}

/**
 * Sorted by namespace, then name (stably). Grouped by namespace first, so the sort compares names only,
 * within a namespace: the same order as one sort by both, with far fewer comparisons.
 */
function byName(statuses: ObjectStatus[]): ObjectStatus[] {
  const groups = new Map<string, ObjectStatus[]>();
  for (let i = 0; i < statuses.length; i++) {
    const s = statuses[i]!;
    const group = groups.get(s.namespace);
    if (group) group.push(s);
    else groups.set(s.namespace, [s]);
  }
  const sorted: ObjectStatus[] = [];
  for (const namespace of [...groups.keys()].sort(compareStrings)) {
    const group = groups.get(namespace)!.sort((a, b) => compareStrings(a.name, b.name));
    for (let i = 0; i < group.length; i++) sorted.push(group[i]!);
  }
  return sorted;
}
