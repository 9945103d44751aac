/** A refusal the portal shows a person (a page) or a program (problem+json), with a stable code. */
export class PortalError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

export const notFound = (what: string) => new PortalError(404, 'not-found', `${what} not found`);
export const invalid = (field: string, message: string) => new PortalError(400, 'invalid', `${field}: ${message}`);
