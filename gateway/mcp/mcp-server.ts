import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from '../auth/authenticate.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ToolTarget } from './mcp-runtime.ts';
import { callTool, ToolArgumentError, type ToolAnswer } from './tool-request.ts';

export interface McpCall {
  req: IncomingMessage;
  res: ServerResponse;
  identity: Identity;
  tools: ToolTarget[];
  keyHeaders: readonly string[];
  exchange: Exchange;
}

const NO_ARGUMENTS = { type: 'object', properties: {} } as const;

/**
 * One MCP request, served by the official SDK's server over its Streamable HTTP
 * transport in stateless mode (no session: each POST carries its own credential and
 * is authorised on its own, so any gateway replica can answer it). The server is made
 * per request, with exactly the tools this caller may call.
 */
export async function serveMcp(call: McpCall): Promise<void> {
  const server = new Server({ name: 'tollgate', version: '1' }, { capabilities: { tools: { listChanged: false } } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: call.tools.map(describe) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const target = call.tools.find((t) => t.tool.name === request.params.name);
    // Unknown and not subscribed look the same: the caller learns nothing of tools it may not call.
    if (!target) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    call.exchange.tool = target.tool.name;
    let answer: ToolAnswer;
    try {
      answer = await callTool(call.req, call.identity, target, request.params.arguments ?? {}, call.keyHeaders);
    } catch (err) {
      if (err instanceof ToolArgumentError) throw new McpError(ErrorCode.InvalidParams, err.message);
      return { content: [{ type: 'text', text: `the gateway could not call ${target.tool.name}: ${(err as Error).message}` }], isError: true };
    }
    return result(answer);
  });
  // No sessionIdGenerator: stateless.
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  call.res.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(call.req, call.res);
}

function describe({ tool }: ToolTarget): Tool {
  const readOnly = tool.method === 'GET' || tool.method === 'HEAD';
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: (tool.inputSchema ?? NO_ARGUMENTS) as Tool['inputSchema'],
    annotations: { readOnlyHint: readOnly && !tool.destructive, destructiveHint: tool.destructive, openWorldHint: true },
  };
}

function result(answer: ToolAnswer): CallToolResult {
  const isError = answer.status >= 400;
  const text = isError ? `HTTP ${answer.status}: ${answer.body}` : answer.body;
  return { content: [{ type: 'text', text }], isError, _meta: { 'dev.tollgate/status': answer.status } };
}
