import { GatewayError } from '../errors/gateway-error.ts';
import { matchesPath, methodAllowed } from '../router/path-match.ts';
import type { Product, ProductOperation, Subscription } from '../snapshot/types.ts';

export interface ProductRuntime {
  product: Product;
  /** The product's operations for one API, in the product's order, with stable ids. */
  operationsByApi: Map<string, Array<{ operation: ProductOperation; id: string }>>;
}

export interface Grant {
  subscription: Subscription;
  product: Product;
  /** Set when the operation that matched carries its own quota. */
  operation?: { operation: ProductOperation; id: string };
}

export interface AuthorizeInput {
  subscriptions: readonly Subscription[];
  products: ReadonlyMap<string, ProductRuntime>;
  api: string;
  segments: readonly string[];
  from: number;
  method: string;
  environment: string | undefined;
  /** The token's scopes; undefined when the caller used an API key. */
  scopes: readonly string[] | undefined;
}

/**
 * Apigee's rule, made strict: the first of the application's active subscriptions
 * (snapshot order) whose product covers this API, path, method and environment —
 * and, for bearer tokens, whose scopes the token carries at least one of.
 */
export function authorize(input: AuthorizeInput): Grant {
  let scopeShort = false;
  for (const subscription of input.subscriptions) {
    const runtime = input.products.get(subscription.product);
    if (!runtime) continue;
    const { product } = runtime;
    if (input.environment !== undefined && product.environments.length && !product.environments.includes(input.environment)) continue;
    const candidates = runtime.operationsByApi.get(input.api);
    if (!candidates) continue;
    const hit = candidates.find(
      ({ operation }) => methodAllowed(operation.methods, input.method) && operation.paths.some((p) => matchesPath(p, input.segments, input.from)),
    );
    if (!hit) continue;
    if (input.scopes !== undefined && product.scopes.length && !product.scopes.some((s) => input.scopes!.includes(s))) {
      scopeShort = true;
      continue;
    }
    const grant: Grant = { subscription, product };
    if (hit.operation.quota) grant.operation = hit;
    return grant;
  }
  if (scopeShort) throw new GatewayError('insufficient-scope', undefined, { headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } });
  throw new GatewayError('not-subscribed');
}

/** An id for a product operation that stays the same while the operation does. */
export function operationId(operation: ProductOperation): string {
  return `${operation.api} ${operation.methods.join(',') || '*'} ${operation.paths.map((p) => p.pattern).join(',')}`;
}
