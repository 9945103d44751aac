import type { AuthConfig } from '../auth/authenticate.ts';
import type { IssuerVerifier } from '../auth/jwt-verifier.ts';
import type { ProductRuntime } from '../authorize/authorize.ts';
import type { ApiRuntime, RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { McpTool } from '../snapshot/types.ts';

/** A tool with where its request goes: the API it calls and the base path and host it is served at. */
export interface ToolTarget {
  tool: McpTool;
  product: ProductRuntime;
  api: ApiRuntime;
  basePath: string;
  /** The route's host, or undefined when the route answers on any host. */
  host: string | undefined;
  /** The tool's path with each parameter as one placeholder segment, to authorise it like a call. */
  segments: string[];
}

/** What the MCP endpoints need from one snapshot, built once per snapshot on first use. */
export interface McpRuntime {
  /** Products with MCP enabled, in snapshot order, with their tools. */
  products: Map<string, { product: ProductRuntime; tools: ToolTarget[] }>;
  /** Every API-key header the tools' APIs accept (the endpoint accepts the same credentials they do), and every token issuer. */
  apiKeyHeaders: string[];
  verifiers: Map<string, IssuerVerifier>;
  /** Whether the built-in token service's tokens are accepted: then the protected-resource metadata names it. */
  oauth2: boolean;
}

const cache = new WeakMap<RuntimeSnapshot, McpRuntime>();

export function mcpRuntime(runtime: RuntimeSnapshot): McpRuntime {
  let built = cache.get(runtime);
  if (!built) cache.set(runtime, (built = build(runtime)));
  return built;
}

function build(runtime: RuntimeSnapshot): McpRuntime {
  const products: McpRuntime['products'] = new Map();
  const headers = new Set<string>();
  const verifiers = new Map<string, IssuerVerifier>();
  let oauth2 = false;
  for (const [id, product] of runtime.products) {
    const mcp = product.product.mcp;
    if (!mcp) continue;
    const tools: ToolTarget[] = [];
    for (const tool of mcp.tools) {
      const api = runtime.apis.get(tool.api);
      const route = api && preferredRoute(runtime, api);
      if (!api || !route) continue;
      tools.push({ tool, product, api, basePath: route.basePath, host: route.host === '*' ? undefined : route.host, segments: placeholderSegments(tool.path) });
      addAuth(api.auth, headers, verifiers);
      oauth2 ||= api.api.auth.oauth2;
    }
    products.set(id, { product, tools });
  }
  return { products, apiKeyHeaders: [...headers], verifiers, oauth2 };
}

function addAuth(auth: AuthConfig, headers: Set<string>, verifiers: Map<string, IssuerVerifier>): void {
  if (auth.apiKeyHeader) headers.add(auth.apiKeyHeader);
  for (const [issuer, verifier] of auth.verifiers) verifiers.set(issuer, verifier);
}

/** The versioned base path (`/weather/v1`) over the default-version one: a tool keeps calling the version it was made from. */
function preferredRoute(runtime: RuntimeSnapshot, api: ApiRuntime): { host: string; basePath: string } | undefined {
  const versioned = `${api.api.context}/${api.api.version}`;
  let any: { host: string; basePath: string } | undefined;
  for (const route of runtime.snapshot.routes) {
    if (route.api !== api.api.id) continue;
    if (route.basePath === versioned) return route;
    any ??= route;
  }
  return any;
}

function placeholderSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => (s.startsWith('{') ? '_' : s));
}
