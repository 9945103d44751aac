import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../errors/error-codes.ts';
import { PROBLEM_CONTENT_TYPE, problemFor, rawProblemResponse } from '../errors/problem.ts';
import { bodyStillComing, closeAfterDraining } from './lingering-close.ts';

export function sendProblem(res: ServerResponse, code: ErrorCode, detail: string | undefined, requestId: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = problemFor(code, detail, requestId);
  const body = JSON.stringify(problem);
  res.statusCode = problem.status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-type', PROBLEM_CONTENT_TYPE);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('x-request-id', requestId);
  // Refused before its body arrived: the connection cannot carry another request until that body is read.
  if (bodyStillComing(res.req)) {
    res.setHeader('connection', 'close');
    closeAfterDraining(res);
  }
  res.end(body);
}

/** An allowed CORS preflight: 204, the CORS headers and nothing else. */
export function sendPreflight(res: ServerResponse, headers: Record<string, string>, requestId: string): void {
  res.writeHead(204, { ...headers, 'x-request-id': requestId });
  res.end();
}

/** A refused WebSocket upgrade: there is no response object, only the socket. */
export function sendSocketProblem(socket: Socket, code: ErrorCode, detail: string | undefined, requestId: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawProblemResponse(code, detail, requestId, { 'x-request-id': requestId, ...headers }));
}
