import { authenticate, type AuthOutcome, type Identity } from '../auth/authenticate.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { mcpRuntime, type McpRuntime } from '../mcp/mcp-runtime.ts';
import { serveMcp } from '../mcp/mcp-server.ts';
import { protectedResourceMetadata } from '../mcp/resource-metadata.ts';
import { taggedTool, TOOL_HEADER } from '../mcp/tool-request.ts';
import { visibleTools } from '../mcp/visible-tools.ts';
import type { RequestContext } from './request-context.ts';

const MCP = '/mcp';
const METADATA = '/.well-known/oauth-protected-resource';

/**
 * Products' MCP endpoints: `/mcp` (the tools of every MCP product the caller
 * subscribes to) and `/mcp/<namespace>/<product>`, with their protected-resource
 * metadata (RFC 9728) under `/.well-known/oauth-protected-resource`. Only while some
 * product has MCP enabled: otherwise these paths are any API's. Also names the tool
 * on the requests the endpoint itself sends for `tools/call`.
 */
export function mcpStep(ctx: RequestContext): void | Promise<void> {
  const tagged = ctx.req.headers[TOOL_HEADER];
  if (tagged !== undefined) {
    const tool = taggedTool(tagged);
    if (tool !== undefined) ctx.exchange.tool = tool;
  }
  const res = ctx.res;
  const path = ctx.path;
  if (res === undefined || !(path.startsWith(MCP) || path.startsWith(METADATA))) return;
  const mcp = mcpRuntime(ctx.runtime);
  if (mcp.products.size === 0) return;
  const metadata = path.startsWith(METADATA + MCP);
  const resource = metadata ? path.slice(METADATA.length) : path;
  const only = endpointProduct(resource, mcp);
  if (only === null) return;
  ctx.answered = true;
  // No product on the endpoint's own exchange: the tool call it makes is the product's billable request, counted once.
  ctx.exchange.api = 'tollgate/mcp';
  if (metadata) return protectedResourceMetadata(ctx, mcp, resource);
  return serve(ctx, mcp, only, resource);
}

/** undefined for `/mcp`, the product's id for `/mcp/<namespace>/<name>`, null for a path that is not an endpoint. */
function endpointProduct(path: string, mcp: McpRuntime): string | undefined | null {
  if (path === MCP) return undefined;
  const rest = path.slice(MCP.length + 1);
  if (path[MCP.length] !== '/' || rest.split('/').length !== 2) return null;
  return mcp.products.has(rest) ? rest : null;
}

async function serve(ctx: RequestContext, mcp: McpRuntime, only: string | undefined, resource: string): Promise<void> {
  // Stateless: no session to delete, and no server-sent messages to wait for on a GET stream.
  if (ctx.req.method !== 'POST') throw new GatewayError('method-not-allowed', 'an MCP endpoint takes POST', { headers: { allow: 'POST' } });
  ctx.now = ctx.services.now();
  let identity: Identity;
  try {
    identity = await authenticated(ctx, mcp);
  } catch (err) {
    // The MCP authorization spec: a 401 points at the metadata, which names the authorization server.
    if (err instanceof GatewayError && err.code.startsWith('credentials-'))
      err.headers['www-authenticate'] = `Bearer resource_metadata="${origin(ctx)}${METADATA}${resource}"`;
    throw err;
  }
  ctx.identity = identity;
  ctx.exchange.application = identity.application.id;
  if (identity.credential !== undefined) ctx.exchange.credential = identity.credential;
  if (only !== undefined && !(ctx.runtime.subscriptionsByApplication.get(identity.application.id) ?? []).some((s) => s.product === only))
    throw new GatewayError('not-subscribed', `no active subscription to product ${only}`);
  const tools = visibleTools(ctx.runtime, mcp, identity, only);
  await serveMcp({ req: ctx.req, res: ctx.res!, identity, tools, keyHeaders: mcp.apiKeyHeaders, exchange: ctx.exchange });
}

/** The caller's credential, as any of the tools' APIs would take it: a key under one of their headers, or a token of one of their issuers. */
function authenticated(ctx: RequestContext, mcp: McpRuntime): Identity | Promise<Identity> {
  const headers = ctx.req.headers;
  const header = mcp.apiKeyHeaders.find((h) => headers[h] !== undefined) ?? mcp.apiKeyHeaders[0];
  const config = { verifiers: mcp.verifiers, ...(header !== undefined ? { apiKeyHeader: header } : {}) };
  const outcome = authenticate(ctx.req, config, ctx.runtime.credentials, undefined, ctx.now);
  return outcome instanceof Promise ? outcome.then((o: AuthOutcome) => o.identity) : outcome.identity;
}

export function origin(ctx: RequestContext): string {
  return `http://${ctx.req.headers.host ?? 'localhost'}`;
}
