import { ERRORS, type ErrorCode } from './error-codes.ts';

/** A refusal with a stable code; `detail` is safe to show the client, `cause` stays in the log. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(detail ? `${code}: ${detail}` : code, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
    this.headers = options?.headers ?? {};
  }
}
