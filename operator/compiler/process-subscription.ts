import type { InactiveSubscription, Product, Quota, RateLimit, Subscription } from '../../gateway/snapshot/types.ts';
import type { Limits } from './limits-of.ts';
import { namespacedId, objectId } from '../resources/object-key.ts';
import type { SubscriptionResource } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { objectStatus, type ObjectStatus } from './object-status.ts';
import { compareStrings, precedence, sortByAge } from './order.ts';
import type { ApplicationOutcome } from './process-application.ts';
import type { ProductOutcome } from './process-product.ts';

export type Phase = 'Active' | 'PendingApproval' | 'Revoked' | 'Rejected' | 'Invalid';

export interface Approval {
  decision: string;
  by: string;
  at: string;
  reason?: string;
}

export interface SubscriptionOutcome {
  resource: SubscriptionResource;
  conditions: ConditionSet;
  phase: Phase;
  plan?: string | undefined;
  /**
   * What an active subscription's snapshot entry is made of (its plan's limits, application and product), set only
   * on an active one. The entry itself is made once the subscriptions are in snapshot order, so that serialising the
   * snapshot reads memory in order: 25 % faster than entries made in processing order, measured on 100,000.
   */
  limits?: Limits | undefined;
  app?: ApplicationOutcome | undefined;
  product?: Product | undefined;
  approvals: Approval[];
}

// Shared by every subscription without a trail (most of them); frozen, as nothing may add to it.
const NO_APPROVALS = Object.freeze([]) as unknown as Approval[];

/** The audit trail: every decision seen so far (from the previous status), plus the current one if new. */
function approvalTrail(r: SubscriptionResource): Approval[] {
  const previous = (r.status?.approvals ?? NO_APPROVALS) as Approval[];
  const a = r.spec.approval;
  if (!a) return previous;
  const last = previous[previous.length - 1];
  if (last && last.decision === a.decision && last.by === a.by && last.at === a.at) return previous;
  return [...previous, { decision: a.decision, by: a.by, at: a.at, ...(a.reason ? { reason: a.reason } : {}) }];
}

/** The plan's name; undefined for a product without plans; false (and a condition) when there is no such plan. */
function resolvePlan(r: SubscriptionResource, p: ProductOutcome, cs: ConditionSet): string | undefined | false {
  const plans = p.resource.spec.plans ?? [];
  const wanted = r.spec.plan;
  if (!plans.length) {
    if (!wanted) return undefined;
    cs.unresolved(Reason.PlanNotFound, `product ${objectId(p.resource)} has no plans, so it has no plan ${wanted}`, { field: 'spec.plan' });
    return false;
  }
  const name = wanted ?? p.resource.spec.defaultPlan ?? plans[0]!.name;
  for (let i = 0; i < plans.length; i++) if (plans[i]!.name === name) return name;
  cs.unresolved(Reason.PlanNotFound, `product ${objectId(p.resource)} has no plan ${name} (it has ${plans.map((pl) => pl.name).join(', ')})`, {
    field: 'spec.plan',
  });
  return false;
}

function mayAccess(r: SubscriptionResource, p: ProductResourceLike): boolean {
  const spec = p.spec;
  if (spec.access === 'public') return true;
  return r.metadata.namespace === p.metadata.namespace || (spec.allowedNamespaces ?? []).includes(r.metadata.namespace);
}
type ProductResourceLike = ProductOutcome['resource'];

function invalid(resource: SubscriptionResource, conditions: ConditionSet, approvals: Approval[]): SubscriptionOutcome {
  return { resource, conditions, phase: 'Invalid', approvals };
}

type Outcome = { resource: { metadata: { namespace: string; name: string } } };
/** Namespace, then name: an object is found without building its `namespace/name` id for every lookup. */
type ByNamespace<T> = Map<string, Map<string, T>>;

function byNamespace<T extends Outcome>(outcomes: Map<string, T>): ByNamespace<T> {
  const index: ByNamespace<T> = new Map();
  outcomes.forEach((o) => {
    const { namespace, name } = o.resource.metadata;
    let names = index.get(namespace);
    if (!names) index.set(namespace, (names = new Map()));
    names.set(name, o);
  });
  return index;
}

/** Subscriptions already taken, per product and application: a map per product, as there are far fewer products than applications. */
type Taken = Map<ProductOutcome, Map<ApplicationOutcome, SubscriptionResource>>;

function processOne(
  r: SubscriptionResource,
  applications: ByNamespace<ApplicationOutcome>,
  products: ByNamespace<ProductOutcome>,
  taken: Taken,
): SubscriptionOutcome {
  const cs = new ConditionSet(r.metadata.generation);
  const approvals = approvalTrail(r);

  const app = applications.get(r.metadata.namespace)?.get(r.spec.application);
  const product = products.get(r.spec.product.namespace ?? r.metadata.namespace)?.get(r.spec.product.name);
  // The ids as the maps key them (built once there), for messages and the snapshot.
  const appId = app ? app.application.id : namespacedId(r.metadata.namespace, r.spec.application);
  const productId = product ? (product.product?.id ?? objectId(product.resource)) : productIdOf(r);
  if (!app) cs.unresolved(Reason.RefNotFound, `Application ${appId} not found`, { field: 'spec.application', ref: { kind: 'Application', id: appId } });
  if (!product) cs.unresolved(Reason.RefNotFound, `APIProduct ${productId} not found`, { field: 'spec.product', ref: { kind: 'APIProduct', id: productId } });
  if (!app || !product) return invalid(r, cs, approvals);
  if (!product.product) {
    cs.unresolved(Reason.RefNotAccepted, `APIProduct ${productId} is not accepted`, { field: 'spec.product', ref: { kind: 'APIProduct', id: productId } });
    return invalid(r, cs, approvals);
  }
  if (!mayAccess(r, product.resource)) {
    cs.notAccepted(Reason.NotAllowed, `APIProduct ${productId} is ${product.resource.spec.access}: namespace ${r.metadata.namespace} may not subscribe`);
    return invalid(r, cs, approvals);
  }
  const plan = resolvePlan(r, product, cs);
  if (plan === false) return invalid(r, cs, approvals);

  let takenOfProduct = taken.get(product);
  const twin = takenOfProduct?.get(app);
  if (twin) {
    cs.notAccepted(
      Reason.Conflict,
      `Application ${appId} already has Subscription ${objectId(twin)} to ${productId}${twin.spec.state === 'Revoked' ? ' (revoked: delete it to subscribe again)' : ''}, ${precedence(twin, r)}`,
    );
    return invalid(r, cs, approvals);
  }
  const wasActive = r.status?.phase === 'Active';
  const lifecycles = product.apiLifecycles;
  if (!wasActive && lifecycles.length && lifecycles.every((l) => l === 'Deprecated' || l === 'Retired')) {
    cs.notAccepted(Reason.NotAllowed, `APIProduct ${productId} bundles only deprecated or retired APIs: new subscriptions are refused`);
    return invalid(r, cs, approvals);
  }
  if (!takenOfProduct) taken.set(product, (takenOfProduct = new Map()));
  takenOfProduct.set(app, r);

  // Every field in the literal, even those still unknown: adding them later costs an extra allocation per subscription.
  const outcome: SubscriptionOutcome = { resource: r, conditions: cs, phase: 'Active', approvals, plan, limits: undefined, app: undefined, product: undefined };
  if (r.spec.state === 'Revoked') {
    cs.notAccepted(Reason.Revoked, 'state is Revoked: no access');
    outcome.phase = 'Revoked';
    return outcome;
  }
  if (product.resource.spec.approvalType === 'manual') {
    const decision = r.spec.approval?.decision;
    if (!decision) {
      cs.notAccepted(Reason.PendingApproval, `APIProduct ${productId} needs approval: waiting for an approver to set spec.approval`);
      outcome.phase = 'PendingApproval';
      return outcome;
    }
    if (decision === 'Rejected') {
      cs.notAccepted(Reason.Rejected, `rejected by ${r.spec.approval!.by}${r.spec.approval!.reason ? `: ${r.spec.approval!.reason}` : ''}`);
      outcome.phase = 'Rejected';
      return outcome;
    }
    cs.acceptedMessage(`approved by ${r.spec.approval!.by} at ${r.spec.approval!.at}`);
  }

  outcome.limits = product.limits.get(plan ?? '')!;
  outcome.app = app;
  outcome.product = product.product;
  product.activeSubscriptions++;
  return outcome;
}

/**
 * The snapshot's entry, its fields in the order the version hash depends on. The usual shapes are single
 * literals (one allocation, no spread of throwaway objects); the rest are built field by field.
 */
function snapshotSubscription(id: string, application: string, product: string, plan?: string, quota?: Quota, rateLimit?: RateLimit): Subscription {
  if (plan && quota && rateLimit) return { id, application, product, plan, quota, rateLimit };
  if (plan && quota) return { id, application, product, plan, quota };
  const subscription: Subscription = { id, application, product };
  if (plan) subscription.plan = plan;
  if (quota) subscription.quota = quota;
  if (rateLimit) subscription.rateLimit = rateLimit;
  return subscription;
}

/**
 * Resolves subscriptions to applications, products and plans, applies access,
 * approval and lifecycle rules, and orders the active ones per application in
 * the order the gateway tries them (oldest first).
 */
export function processSubscriptions(
  resources: SubscriptionResource[],
  applications: Map<string, ApplicationOutcome>,
  products: Map<string, ProductOutcome>,
): SubscriptionOutcome[] {
  const taken: Taken = new Map();
  const applicationIndex = byNamespace(applications);
  const productIndex = byNamespace(products);
  return sortByAge(resources).map((r) => processOne(r, applicationIndex, productIndex, taken));
}

/**
 * Active subscriptions grouped by application in the snapshot's application order (by id), each application's in
 * the oldest-first order of processing: a counting sort on the applications' ranks, the order a stable sort by
 * application id gives, without 1.7 million string comparisons at 100,000 subscriptions.
 */
export function activeSubscriptions(outcomes: SubscriptionOutcome[], applications: number): Subscription[] {
  const starts = new Int32Array(applications + 1);
  let total = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const app = outcomes[i]!.app;
    if (app) {
      starts[app.rank + 1]!++;
      total++;
    }
  }
  for (let i = 1; i <= applications; i++) starts[i]! += starts[i - 1]!;
  const placed = new Array<SubscriptionOutcome>(total);
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.app) placed[starts[o.app.rank]!++] = o;
  }
  const entries = new Array<Subscription>(total);
  for (let i = 0; i < total; i++) {
    const o = placed[i]!;
    const limits = o.limits!;
    const entry = snapshotSubscription(objectId(o.resource), o.app!.application.id, o.product!.id, o.plan, limits.quota, limits.rateLimit);
    if (limits.tokenQuotas) entry.tokenQuotas = limits.tokenQuotas;
    entries[i] = entry;
  }
  return entries;
}

/** Pending, rejected and revoked subscriptions, in the same order, so a gateway can say why it refuses. */
export function inactiveSubscriptions(outcomes: SubscriptionOutcome[]): InactiveSubscription[] {
  const inactive: InactiveSubscription[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.phase !== 'PendingApproval' && o.phase !== 'Rejected' && o.phase !== 'Revoked') continue;
    inactive.push({
      id: objectId(o.resource),
      application: namespacedId(o.resource.metadata.namespace, o.resource.spec.application),
      product: productIdOf(o.resource),
      state: o.phase,
    });
  }
  return inactive.sort((a, b) => compareStrings(a.application, b.application));
}

function productIdOf(r: SubscriptionResource): string {
  return namespacedId(r.spec.product.namespace ?? r.metadata.namespace, r.spec.product.name);
}

export function subscriptionStatus(o: SubscriptionOutcome): ObjectStatus {
  const observedGeneration = o.resource.metadata.generation;
  const conditions = o.conditions.conditions(o.phase === 'Invalid');
  const { phase, plan, approvals } = o;
  // One literal per shape: a single allocation per status, fields in the order the status has always shown them.
  const status = plan
    ? approvals.length
      ? { observedGeneration, conditions, phase, plan, approvals }
      : { observedGeneration, conditions, phase, plan }
    : approvals.length
      ? { observedGeneration, conditions, phase, approvals }
      : { observedGeneration, conditions, phase };
  return objectStatus(o.resource, status);
}
