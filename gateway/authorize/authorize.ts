import { GatewayError } from '../errors/gateway-error.ts';
import type { OperationPolicyRuntime } from '../policies/api-policies.ts';
import { matchesPath, methodAllowed } from '../router/path-match.ts';
import type { InactiveSubscription, Product, ProductOperation, Subscription } from '../snapshot/types.ts';

/** A product operation as a request meets it: its stable id, and its policies parsed once (gateway/POLICIES.md). */
export interface OperationEntry {
  operation: ProductOperation;
  id: string;
  policies?: OperationPolicyRuntime;
}

export interface ProductRuntime {
  product: Product;
  /** The product's operations for one API, in the product's order, with stable ids. */
  operationsByApi: Map<string, OperationEntry[]>;
}

export interface Grant {
  subscription: Subscription;
  product: Product;
  /** Set when the operation that matched carries its own quota. */
  operation?: { operation: ProductOperation; id: string };
  /** The matched operation's mediation, when it has any. */
  policies?: OperationPolicyRuntime;
}

export interface AuthorizeInput {
  subscriptions: readonly Subscription[];
  /** The application's pending, rejected and revoked subscriptions: only ever used to name a refusal. */
  inactive: readonly InactiveSubscription[];
  products: ReadonlyMap<string, ProductRuntime>;
  api: string;
  segments: readonly string[];
  from: number;
  method: string;
  /** The token's scopes; undefined when the caller used an API key. */
  scopes: readonly string[] | undefined;
}

/** Every method a product operation can name, in the order an `Allow` header lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

const STATE_CODES = {
  PendingApproval: ['subscription-pending', 'is pending approval'],
  Rejected: ['subscription-rejected', 'was rejected'],
  Revoked: ['subscription-revoked', 'has been revoked'],
} as const;

/**
 * Apigee's rule, made strict: the first of the application's active subscriptions
 * (snapshot order) whose product covers this API, path and method —
 * and whose product accepts the credential: for bearer tokens, at least one of its
 * scopes; for API keys, `apiKeys: Allowed`. A refusal names the most specific reason:
 * the credential, then the method, then a subscription that is not active, then none.
 * `products` holds only those deployed to this gateway's environment (buildRuntime drops the rest).
 */
export function authorize(input: AuthorizeInput): Grant {
  let refusal: 'insufficient-scope' | 'api-key-not-allowed' | undefined;
  let refusedBy: Product | undefined;
  const wrongMethod: ProductOperation[] = [];
  for (const subscription of input.subscriptions) {
    const runtime = input.products.get(subscription.product);
    if (!runtime) continue;
    const candidates = operationsHere(runtime, input);
    const hit = candidates.find(({ operation }) => methodAllowed(operation.methods, input.method) && onPath(operation, input));
    if (!hit) {
      for (const { operation } of candidates) if (onPath(operation, input)) wrongMethod.push(operation);
      continue;
    }
    const { product } = runtime;
    if (input.scopes === undefined) {
      if (product.apiKeys === 'Refused') {
        refusal = 'api-key-not-allowed';
        refusedBy ??= product;
        continue;
      }
    } else if (product.scopes.length && !product.scopes.some((s) => input.scopes!.includes(s))) {
      refusal = 'insufficient-scope';
      continue;
    }
    const grant: Grant = { subscription, product };
    if (hit.operation.quota) grant.operation = hit;
    if (hit.policies) grant.policies = hit.policies;
    return grant;
  }
  if (refusal === 'insufficient-scope')
    throw new GatewayError('insufficient-scope', undefined, { headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } });
  if (refusal === 'api-key-not-allowed') throw new GatewayError('api-key-not-allowed', `product ${refusedBy!.id} accepts access tokens only`);
  if (wrongMethod.length) {
    const allow = METHODS.filter((m) => wrongMethod.some((op) => methodAllowed(op.methods, m))).join(', ');
    throw new GatewayError('method-not-allowed', undefined, { headers: { allow } });
  }
  for (const subscription of input.inactive) {
    const runtime = input.products.get(subscription.product);
    if (!runtime || !operationsHere(runtime, input).some(({ operation }) => methodAllowed(operation.methods, input.method) && onPath(operation, input)))
      continue;
    const [code, what] = STATE_CODES[subscription.state];
    throw new GatewayError(code, `subscription ${subscription.id} to product ${subscription.product} ${what}`);
  }
  throw new GatewayError('not-subscribed');
}

const NONE: readonly OperationEntry[] = [];

/** The product's operations on this API. */
function operationsHere(runtime: ProductRuntime, input: AuthorizeInput): readonly OperationEntry[] {
  return runtime.operationsByApi.get(input.api) ?? NONE;
}

function onPath(operation: ProductOperation, input: AuthorizeInput): boolean {
  return operation.paths.some((p) => matchesPath(p, input.segments, input.from));
}

/** An id for a product operation that stays the same while the operation does. */
export function operationId(operation: ProductOperation): string {
  return `${operation.api} ${operation.methods.join(',') || '*'} ${operation.paths.map((p) => p.pattern).join(',')}`;
}
