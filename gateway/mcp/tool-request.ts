import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';
import type { Identity } from '../auth/authenticate.ts';
import type { ToolTarget } from './mcp-runtime.ts';
import { mcpUpstreams } from './upstream-mcp.ts';

/**
 * Marks the gateway's own tool-call requests, so that their access-log line can name
 * the tool. A client cannot forge it: the value starts with a secret drawn per process,
 * and the whole header (an `x-tollgate-*` one) never reaches an upstream.
 */
export const TOOL_HEADER = 'x-tollgate-mcp-tool';
const SECRET = randomBytes(32).toString('hex');

/** The tool a request is carrying out, if the gateway itself sent it. */
export function taggedTool(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value.length <= SECRET.length + 1 || value[SECRET.length] !== ' ') return undefined;
  const presented = Buffer.from(value.slice(0, SECRET.length));
  if (!timingSafeEqual(presented, Buffer.from(SECRET))) return undefined;
  return value.slice(SECRET.length + 1);
}

/** A tool's answer, as the upstream (or the gateway, refusing) gave it. */
export interface ToolAnswer {
  status: number;
  contentType: string | undefined;
  body: string;
}

export class ToolArgumentError extends Error {}

/** What a tool result may hold of an answer; the rest is cut, and said so. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A `tools/call` as the HTTP request a client would send for it, sent to this gateway's
 * own listener (the address the MCP request came in on): so it passes every step a
 * request passes (authentication, authorisation, quota and spike arrest, token quotas,
 * policies, the access log), with the caller's own credential.
 */
export async function callTool(
  req: IncomingMessage,
  identity: Identity,
  target: ToolTarget,
  args: Record<string, unknown>,
  keyHeaders: readonly string[],
): Promise<ToolAnswer> {
  // As long as the API allows its upstream, and a little more for the gateway's own steps.
  const timeoutMs = target.api.api.upstream.timeoutMs + 5000;
  const { tool } = target;
  const path = tool.upstreamTool !== undefined ? target.basePath : target.basePath + fillPath(tool.path, args) + queryOf(args['query']);
  const headers: Record<string, string> = { [TOOL_HEADER]: `${SECRET} ${tool.name}`, accept: 'application/json, */*' };
  headers['host'] = target.host ?? req.headers.host ?? 'localhost';
  copyCredential(req, identity, target, headers, keyHeaders);
  let body: string | undefined;
  if (tool.upstreamTool !== undefined) {
    // An MCP server's tool: the JSON-RPC call, in the session the gateway holds with it.
    body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool.upstreamTool, arguments: args } });
    Object.assign(headers, await mcpUpstreams.sessionHeaders(target.api.api), {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    });
  } else if (args['body'] !== undefined && tool.method !== 'GET' && tool.method !== 'HEAD') {
    body = JSON.stringify(args['body']);
    headers['content-type'] = 'application/json';
  }
  const socket = req.socket;
  const address = socket.localAddress ?? '127.0.0.1';
  const origin = `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
  const res = await request(origin + path, { method: tool.method, headers, body: body ?? null, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_ANSWER_BYTES) {
      res.body.destroy();
      chunks.push(Buffer.from(`\n[cut at ${MAX_ANSWER_BYTES} bytes]`));
      break;
    }
    chunks.push(chunk as Buffer);
  }
  const type = res.headers['content-type'];
  return { status: res.statusCode, contentType: Array.isArray(type) ? type[0] : type, body: Buffer.concat(chunks).toString('utf8') };
}

/** The caller's credential, under the header the tool's API reads it from. */
function copyCredential(req: IncomingMessage, identity: Identity, target: ToolTarget, headers: Record<string, string>, keyHeaders: readonly string[]): void {
  if (identity.kind === 'jwt') {
    headers['authorization'] = req.headers.authorization ?? '';
    return;
  }
  const key = presentedKey(req, keyHeaders);
  const header = target.api.auth.apiKeyHeader;
  if (key !== undefined && header !== undefined) headers[header] = key;
}

/** The key as the MCP request carried it (under any header the endpoint accepts). */
function presentedKey(req: IncomingMessage, keyHeaders: readonly string[]): string | undefined {
  for (const name of keyHeaders) {
    const value = req.headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function fillPath(template: string, args: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = args[name];
    if (typeof value !== 'string' && typeof value !== 'number') throw new ToolArgumentError(`argument ${name} (a path parameter) is required`);
    const text = String(value);
    if (text === '' || text === '.' || text === '..') throw new ToolArgumentError(`argument ${name} may not be empty, . or ..`);
    return encodeURIComponent(text);
  });
}

function queryOf(query: unknown): string {
  if (query === undefined || query === null) return '';
  if (typeof query !== 'object' || Array.isArray(query)) throw new ToolArgumentError('argument query must be an object of strings');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ToolArgumentError(`query parameter ${k} must be a string`);
    params.append(k, String(v));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
