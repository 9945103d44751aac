import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/**
 * An API of type mcp is reached only through the products' MCP endpoints, which
 * hold the per-tool allow lists: a request the endpoint did not send itself (it
 * names no tool) could call any tool the server has.
 */
export function mcpUpstreamGuardStep(ctx: RequestContext): void {
  if (ctx.api!.api.mcpUpstream && ctx.exchange.tool === undefined) {
    throw new GatewayError('route-not-found', 'this MCP server is reached through /mcp, which allows only the tools its products list');
  }
}
