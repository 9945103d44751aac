import type { PathMatch, Product, ProductOperation } from '../../gateway/snapshot/types.ts';
import { compileMcpTools } from './mcp-tools.ts';
import { namespacedId, objectId } from '../resources/object-key.ts';
import type { ProductResource } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { objectStatus, type ObjectStatus } from './object-status.ts';
import { compilePath } from './paths.ts';
import type { ApiOutcome } from './process-api.ts';
import { limitsOf, type Limits } from './limits-of.ts';
import { compileOperationPolicies } from './process-api-policies.ts';

export interface ProductOutcome {
  resource: ProductResource;
  product?: Product;
  conditions: ConditionSet;
  /** Lifecycles of the APIs the product bundles, to refuse new subscriptions when all are deprecated. */
  apiLifecycles: string[];
  activeSubscriptions: number;
  /** Effective limits per plan name ('' without plans), computed once and shared by every subscription. */
  limits: Map<string, Limits>;
}

export { limitsOf };
export type { Limits };

function compileOperations(r: ProductResource, apis: Map<string, ApiOutcome>, cs: ConditionSet, lifecycles: string[]): ProductOperation[] {
  const operations: ProductOperation[] = [];
  for (const [i, op] of r.spec.operations.entries()) {
    const paths: PathMatch[] = [];
    for (const [j, p] of op.paths.entries()) {
      const compiled = compilePath(p, false);
      if (compiled.ok) paths.push(compiled.match);
      else cs.notAccepted(Reason.Invalid, compiled.message, { field: `spec.operations[${i}].paths[${j}]` });
    }
    const apiId = namespacedId(r.metadata.namespace, op.api);
    const api = apis.get(apiId);
    if (!api) {
      cs.unresolved(Reason.RefNotFound, `API ${apiId} not found`, { field: `spec.operations[${i}].api`, ref: { kind: 'API', id: apiId } });
      continue;
    }
    lifecycles.push(api.resource.spec.lifecycle);
    if (!api.api) {
      const why = api.conditions.isAccepted ? `its lifecycle is ${api.resource.spec.lifecycle}` : 'it is not accepted';
      const reason = api.conditions.isAccepted ? Reason.RefNotPublished : Reason.RefNotAccepted;
      cs.unresolved(reason, `API ${apiId} is not routed: ${why}`, { field: `spec.operations[${i}].api`, ref: { kind: 'API', id: apiId } });
      continue;
    }
    // paths.slice(): exact length, as the snapshot keeps it (a pushed-to array keeps room for 17).
    const compiled: ProductOperation = { api: apiId, paths: paths.slice(), methods: [...(op.methods ?? [])].sort() };
    if (op.quota) compiled.quota = limitsOf(op).quota!;
    const policies = op.policies && compileOperationPolicies(op.policies, `spec.operations[${i}].policies`, cs);
    if (policies) compiled.policies = policies;
    operations.push(compiled);
  }
  return operations;
}

/**
 * Compiles products. Operations whose API cannot be resolved are left out (and
 * said so in ResolvedRefs) while the rest of the product keeps working.
 */
export function processProducts(resources: ProductResource[], apis: Map<string, ApiOutcome>): Map<string, ProductOutcome> {
  const outcomes = new Map<string, ProductOutcome>();
  for (const r of resources) {
    const conditions = new ConditionSet(r.metadata.generation);
    const apiLifecycles: string[] = [];
    const operations = compileOperations(r, apis, conditions, apiLifecycles);
    const own = limitsOf(r.spec);
    const limits = new Map<string, Limits>([['', own]]);
    for (const plan of r.spec.plans ?? []) {
      const p = limitsOf(plan);
      const quota = p.quota ?? own.quota;
      const rateLimit = p.rateLimit ?? own.rateLimit;
      const tokenQuotas = p.tokenQuotas ?? own.tokenQuotas;
      limits.set(plan.name, { ...(quota ? { quota } : {}), ...(rateLimit ? { rateLimit } : {}), ...(tokenQuotas ? { tokenQuotas } : {}) });
    }
    const mcp = r.spec.mcp?.enabled ? compileMcpTools(r, operations, apis, conditions) : undefined;
    const outcome: ProductOutcome = { resource: r, conditions, apiLifecycles, activeSubscriptions: 0, limits };
    if (conditions.isAccepted) {
      outcome.product = {
        id: objectId(r),
        namespace: r.metadata.namespace,
        name: r.metadata.name,
        displayName: r.spec.displayName ?? r.metadata.name,
        environments: [...(r.spec.environments ?? [])].sort(),
        scopes: [...(r.spec.scopes ?? [])].sort(),
        // Secure by default: a product that names scopes means them, and an API key carries none.
        apiKeys: r.spec.apiKeys ?? (r.spec.scopes?.length ? 'Refused' : 'Allowed'),
        access: r.spec.access,
        operations: operations.slice(),
        quotaFailureMode: r.spec.quotaFailureMode,
      };
      if (mcp) outcome.product.mcp = mcp;
    }
    outcomes.set(objectId(r), outcome);
  }
  return outcomes;
}

export function productStatus(o: ProductOutcome): ObjectStatus {
  const observedGeneration = o.resource.metadata.generation;
  return objectStatus(o.resource, { observedGeneration, conditions: o.conditions.conditions(!o.product), activeSubscriptions: o.activeSubscriptions });
}
