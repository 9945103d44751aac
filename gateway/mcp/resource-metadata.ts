import type { RequestContext } from '../pipeline/request-context.ts';
import type { McpRuntime } from './mcp-runtime.ts';

/**
 * RFC 9728 protected-resource metadata for an MCP endpoint, as the MCP authorization
 * spec asks: the resource, the authorization servers whose tokens it takes (the
 * built-in token service, whose own metadata is at its issuer), and how to send them.
 */
export function protectedResourceMetadata(ctx: RequestContext, mcp: McpRuntime, resource: string): void {
  const res = ctx.res!;
  const method = ctx.req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end('{"error":"use GET"}');
    return;
  }
  ctx.req.resume();
  const issuers = [...mcp.verifiers.keys()];
  const builtIn = ctx.runtime.snapshot.tokens?.issuer;
  // The built-in service first: it is the one that issues tokens for these products' applications.
  const servers = builtIn !== undefined && mcp.oauth2 ? [builtIn, ...issuers.filter((i) => i !== builtIn)] : issuers;
  const scopes = new Set<string>();
  for (const { product } of mcp.products.values()) for (const s of product.product.scopes) scopes.add(s);
  const body = JSON.stringify({
    resource: `http://${ctx.req.headers.host ?? 'localhost'}${resource}`,
    authorization_servers: servers,
    bearer_methods_supported: ['header'],
    scopes_supported: [...scopes].sort(),
    resource_name: 'Tollgate MCP tools',
  });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60', 'content-length': Buffer.byteLength(body) });
  res.end(method === 'HEAD' ? undefined : body);
}
