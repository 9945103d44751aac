import { ERRORS, PROBLEM_TYPE_BASE, type ErrorCode } from './error-codes.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
}

/** RFC 9457 problem details for one code; `instance` carries the request id so a client can quote it. */
export function problemFor(code: ErrorCode, detail?: string, requestId?: string): Problem {
  const spec = ERRORS[code];
  const problem: Problem = { type: PROBLEM_TYPE_BASE + code, title: spec.title, status: spec.status, code };
  if (detail) problem.detail = detail;
  if (requestId) problem.instance = `urn:tollgate:request:${requestId}`;
  return problem;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * A complete HTTP/1.1 response as bytes, for places that only have a socket:
 * refused WebSocket upgrades and parser errors before a request object exists.
 */
export function rawProblemResponse(code: ErrorCode, detail?: string, requestId?: string, headers: Record<string, string> = {}): string {
  const problem = problemFor(code, detail, requestId);
  const body = JSON.stringify(problem);
  const lines = [`HTTP/1.1 ${problem.status} ${problem.title}`];
  const all: Record<string, string> = {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...headers,
  };
  for (const [k, v] of Object.entries(all)) lines.push(`${k}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
