import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON-RPC 2.0 error codes MCP uses. */
export const RpcError = { ParseError: -32700, InvalidRequest: -32600, MethodNotFound: -32601, InvalidParams: -32602, InternalError: -32603 } as const;

export class RpcFailure extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Protocol versions this endpoint speaks, newest first (those of the SDK it is tested with). */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

/** An MCP request body larger than this is refused: tool arguments are small. */
const MAX_BODY_BYTES = 1024 * 1024;

export type RpcHandler = (method: string, params: Record<string, unknown>) => Promise<unknown>;

/**
 * The Streamable HTTP transport's server side, stateless (no session, no server-sent
 * stream): one JSON-RPC message per POST, answered as `application/json`; a
 * notification or a response gets 202. Batches, which the protocol dropped in
 * 2025-06-18, are refused.
 */
export async function serveJsonRpc(req: IncomingMessage, res: ServerResponse, handle: RpcHandler): Promise<void> {
  const version = req.headers['mcp-protocol-version'];
  if (typeof version === 'string' && !PROTOCOL_VERSIONS.includes(version)) {
    req.resume();
    return reply(res, 400, null, { code: RpcError.InvalidRequest, message: `unsupported MCP-Protocol-Version ${version}` });
  }
  const body = await readBody(req);
  if (body === undefined) return reply(res, 413, null, { code: RpcError.InvalidRequest, message: `the request is larger than ${MAX_BODY_BYTES} bytes` });
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return reply(res, 400, null, { code: RpcError.ParseError, message: 'the body is not JSON' });
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message) || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0')
    return reply(res, 400, null, { code: RpcError.InvalidRequest, message: 'expected one JSON-RPC 2.0 message' });
  const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
  if (typeof method !== 'string') {
    // A response to a request of ours (we send none), or a malformed message.
    if (id !== undefined && ('result' in message || 'error' in message)) return accepted(res);
    return reply(res, 400, null, { code: RpcError.InvalidRequest, message: 'expected a method' });
  }
  if (id === undefined) return accepted(res);
  if (typeof id !== 'string' && typeof id !== 'number')
    return reply(res, 400, null, { code: RpcError.InvalidRequest, message: 'id must be a string or a number' });
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
    return reply(res, 200, id, { code: RpcError.InvalidParams, message: 'params must be an object' });
  try {
    const result = await handle(method, (params ?? {}) as Record<string, unknown>);
    reply(res, 200, id, undefined, result);
  } catch (err) {
    if (err instanceof RpcFailure) reply(res, 200, id, { code: err.code, message: err.message });
    else throw err;
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function accepted(res: ServerResponse): void {
  res.writeHead(202, { 'content-length': '0' }).end();
}

function reply(res: ServerResponse, status: number, id: string | number | null, error?: { code: number; message: string }, result?: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
