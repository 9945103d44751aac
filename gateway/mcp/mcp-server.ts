import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from '../auth/authenticate.ts';
import type { Exchange } from '../http/exchange.ts';
import { PROTOCOL_VERSIONS, RpcError, RpcFailure, serveJsonRpc } from './json-rpc.ts';
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
 * One MCP request, stateless (no session: each POST carries its own credential and is
 * authorised on its own, so any gateway replica can answer it), with exactly the tools
 * this caller may call. The JSON-RPC surface is written here rather than served by the
 * SDK's server and transport, which must be made per request when stateless and took
 * twice the CPU and latency for the same tools/list (bench/mcp/transport.ts measures both).
 */
export async function serveMcp(call: McpCall): Promise<void> {
  await serveJsonRpc(call.req, call.res, async (method, params) => {
    switch (method) {
      case 'initialize': {
        const asked = params['protocolVersion'];
        const protocolVersion = typeof asked === 'string' && PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0];
        return { protocolVersion, capabilities: { tools: { listChanged: false } }, serverInfo: { name: 'tollgate', version: '1' } };
      }
      case 'ping':
        return {};
      case 'tools/list':
        return { tools: await listTools(call.tools) };
      case 'tools/call':
        return callOne(call, params);
      default:
        throw new RpcFailure(RpcError.MethodNotFound, `Method not found: ${method}`);
    }
  });
}

async function callOne(call: McpCall, params: Record<string, unknown>): Promise<CallToolResult> {
  const name = params['name'];
  const args = params['arguments'] ?? {};
  if (typeof name !== 'string') throw new RpcFailure(RpcError.InvalidParams, 'name must be a string');
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new RpcFailure(RpcError.InvalidParams, 'arguments must be an object');
  const target = call.tools.find((t) => t.tool.name === name);
  // Unknown and not subscribed look the same: the caller learns nothing of tools it may not call.
  if (!target) throw new RpcFailure(RpcError.InvalidParams, `Unknown tool: ${name}`);
  call.exchange.tool = target.tool.name;
  let answer: ToolAnswer;
  try {
    answer = await callTool(call.req, call.identity, target, args as Record<string, unknown>, call.keyHeaders);
    // An MCP upstream that forgot the gateway's session answers 404: once more, in a new one.
    if (answer.status === 404 && target.tool.upstreamTool !== undefined) {
      mcpUpstreams.forget(target.api.api);
      answer = await callTool(call.req, call.identity, target, args as Record<string, unknown>, call.keyHeaders);
    }
  } catch (err) {
    if (err instanceof ToolArgumentError) throw new RpcFailure(RpcError.InvalidParams, err.message);
    return { content: [{ type: 'text', text: `the gateway could not call ${target.tool.name}: ${(err as Error).message}` }], isError: true };
  }
  return target.tool.upstreamTool !== undefined ? upstreamResult(answer) : result(answer);
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
