import type { Identity } from '../auth/authenticate.ts';
import { authorize } from '../authorize/authorize.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { McpRuntime, ToolTarget } from './mcp-runtime.ts';

const NONE: never[] = [];

/**
 * The tools this caller may call: those of the MCP products it has an active
 * subscription to (one product, or all at `/mcp`) that the gateway would authorise
 * as requests (the same `authorize`, so product scopes and `apiKeys: Refused` hide
 * tools too), minus those needing a scope the credential does not carry.
 */
export function visibleTools(runtime: RuntimeSnapshot, mcp: McpRuntime, identity: Identity, only: string | undefined): ToolTarget[] {
  const subscriptions = runtime.subscriptionsByApplication.get(identity.application.id) ?? NONE;
  const visible: ToolTarget[] = [];
  const names = new Set<string>();
  for (const subscription of subscriptions) {
    if (only !== undefined && subscription.product !== only) continue;
    const product = mcp.products.get(subscription.product);
    if (!product) continue;
    for (const target of product.tools) {
      if (names.has(target.tool.name) || !allowed(runtime, identity, target, subscription)) continue;
      names.add(target.tool.name);
      visible.push(target);
    }
  }
  return visible;
}

function allowed(
  runtime: RuntimeSnapshot,
  identity: Identity,
  target: ToolTarget,
  subscription: RuntimeSnapshot['snapshot']['subscriptions'][number],
): boolean {
  const scope = target.tool.scope;
  if (scope !== undefined && !identity.scopes?.includes(scope)) return false;
  try {
    authorize({
      subscriptions: [subscription],
      inactive: NONE,
      products: runtime.products,
      api: target.api.api.id,
      segments: target.segments,
      from: 0,
      method: target.tool.method,
      scopes: identity.scopes,
    });
    return true;
  } catch (err) {
    if (err instanceof GatewayError) return false;
    throw err;
  }
}
