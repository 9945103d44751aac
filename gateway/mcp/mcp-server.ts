import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from '../auth/authenticate.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ToolTarget } from './mcp-runtime.ts';
import { callTool, ToolArgumentError, type ToolAnswer } from './tool-request.ts';
import { mcpUpstreams } from './upstream-mcp.ts';

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
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await listTools(call.tools) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const target = call.tools.find((t) => t.tool.name === request.params.name);
    // Unknown and not subscribed look the same: the caller learns nothing of tools it may not call.
    if (!target) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    call.exchange.tool = target.tool.name;
    const args = request.params.arguments ?? {};
    let answer: ToolAnswer;
    try {
      answer = await callTool(call.req, call.identity, target, args, call.keyHeaders);
      // An MCP upstream that forgot the gateway's session answers 404: once more, in a new one.
      if (answer.status === 404 && target.tool.upstreamTool !== undefined) {
        mcpUpstreams.forget(target.api.api);
        answer = await callTool(call.req, call.identity, target, args, call.keyHeaders);
      }
    } catch (err) {
      if (err instanceof ToolArgumentError) throw new McpError(ErrorCode.InvalidParams, err.message);
      return { content: [{ type: 'text', text: `the gateway could not call ${target.tool.name}: ${(err as Error).message}` }], isError: true };
    }
    return target.tool.upstreamTool !== undefined ? upstreamResult(answer) : result(answer);
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

/** The caller's tools; an MCP upstream's allowed ones with its own schema and description, left out while it cannot be asked. */
async function listTools(targets: readonly ToolTarget[]): Promise<Tool[]> {
  const tools: Tool[] = [];
  for (const target of targets) {
    const { tool } = target;
    if (tool.upstreamTool === undefined) {
      const readOnly = tool.method === 'GET' || tool.method === 'HEAD';
      tools.push({
        name: tool.name,
        description: tool.description,
        inputSchema: (tool.inputSchema ?? NO_ARGUMENTS) as Tool['inputSchema'],
        annotations: { readOnlyHint: readOnly && !tool.destructive, destructiveHint: tool.destructive, openWorldHint: true },
      });
      continue;
    }
    const upstream = await mcpUpstreams.tools(target.api.api, Date.now()).then(
      (list) => list.find((t) => t.name === tool.upstreamTool),
      () => undefined,
    );
    if (!upstream) continue;
    const destructive = tool.destructive || upstream.annotations?.destructiveHint === true;
    tools.push({
      ...upstream,
      name: tool.name,
      description: tool.description || upstream.description || '',
      annotations: { ...upstream.annotations, destructiveHint: destructive, ...(destructive ? { readOnlyHint: false } : {}) },
    });
  }
  return tools;
}

/** The upstream's JSON-RPC answer (JSON, or the response event of a stream) as the tool's result. */
function upstreamResult(answer: ToolAnswer): CallToolResult {
  if (answer.status >= 400) return result(answer);
  const reply = jsonRpcReply(answer);
  if (reply?.result && typeof reply.result === 'object') return reply.result as CallToolResult;
  const message = reply?.error?.message ?? 'no answer from the MCP server';
  return { content: [{ type: 'text', text: message }], isError: true };
}

function jsonRpcReply(answer: ToolAnswer): { result?: unknown; error?: { message?: string } } | undefined {
  const texts = (answer.contentType ?? '').includes('text/event-stream')
    ? answer.body
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
    : [answer.body];
  for (const text of texts) {
    try {
      const message = JSON.parse(text) as { id?: unknown; result?: unknown; error?: { message?: string } };
      if (message.id === 1 && (message.result !== undefined || message.error !== undefined)) return message;
    } catch {
      // Not JSON: not the answer.
    }
  }
  return undefined;
}

function result(answer: ToolAnswer): CallToolResult {
  const isError = answer.status >= 400;
  const text = isError ? `HTTP ${answer.status}: ${answer.body}` : answer.body;
  return { content: [{ type: 'text', text }], isError, _meta: { 'dev.tollgate/status': answer.status } };
}
