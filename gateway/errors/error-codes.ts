// The one table of every error the gateway answers with. Codes are part of the
// public contract (clients and dashboards match on them): add, never rename.

export interface ErrorSpec {
  status: number;
  title: string;
}

export const ERRORS = {
  'invalid-request-target': { status: 400, title: 'The request target is not in canonical form' },
  'duplicate-header': { status: 400, title: 'A header that must appear once appears more than once' },
  'ambiguous-credentials': { status: 400, title: 'More than one credential was sent' },
  'credentials-missing': { status: 401, title: 'This API needs a credential' },
  'credentials-invalid': { status: 401, title: 'The credential is not valid' },
  'credentials-expired': { status: 401, title: 'The credential has expired' },
  'credentials-revoked': { status: 401, title: 'The credential has been revoked' },
  'application-suspended': { status: 403, title: 'The application or its owner is suspended' },
  'not-subscribed': { status: 403, title: 'No active subscription covers this operation' },
  'insufficient-scope': { status: 403, title: 'The token carries none of the scopes this operation needs' },
  'api-key-not-allowed': { status: 403, title: 'This product does not accept API keys; use an access token' },
  'subscription-pending': { status: 403, title: 'The subscription that covers this operation awaits approval' },
  'subscription-rejected': { status: 403, title: 'The subscription that covers this operation was rejected' },
  'subscription-revoked': { status: 403, title: 'The subscription that covers this operation has been revoked' },
  'cors-preflight-refused': { status: 403, title: "The API's CORS policy does not allow this origin, method or header" },
  'route-not-found': { status: 404, title: 'No API is served at this path' },
  'environment-required': { status: 404, title: 'This path is served per environment, and this gateway serves none in particular' },
  'operation-not-found': { status: 404, title: 'The API declares no such operation' },
  'method-not-allowed': { status: 405, title: 'The operation does not allow this method' },
  'api-retired': { status: 410, title: 'This API has been retired' },
  'request-too-large': { status: 413, title: 'The request body is too large' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'quota-exceeded': { status: 429, title: 'The quota for this period is used up' },
  'rate-limited': { status: 429, title: 'Too many requests in a short time' },
  'token-quota-exceeded': { status: 429, title: 'The token quota for this period is used up' },
  'internal-error': { status: 500, title: 'The gateway failed' },
  'bad-gateway': { status: 502, title: 'The upstream failed to answer' },
  'api-blocked': { status: 503, title: 'This API is blocked' },
  'not-ready': { status: 503, title: 'The gateway has no configuration yet' },
  'limits-unavailable': { status: 503, title: 'The quota store cannot be reached' },
  'upstream-unavailable': { status: 503, title: 'No upstream accepted the connection' },
  'issuer-unavailable': { status: 503, title: "The token issuer's keys cannot be fetched" },
  'upstream-timeout': { status: 504, title: 'The upstream did not answer in time' },
  'bad-request': { status: 400, title: 'The request is malformed' },
  'request-timeout': { status: 408, title: 'The request did not arrive in time' },
  'ip-not-allowed': { status: 403, title: 'Requests from this address are not allowed' },
  'json-too-complex': { status: 400, title: "The JSON body exceeds the API's structure limits" },
  'backend-credentials-unavailable': { status: 503, title: 'The credentials for the upstream are not available' },
  'request-invalid': { status: 400, title: "The request does not match the API's OpenAPI document" },
  'not-acceptable': { status: 406, title: 'The mock has no response in a media type the request accepts' },
  'mock-response-unknown': { status: 400, title: 'The Prefer header asks the mock for a response the document does not declare' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Where the problem types are documented; the code is the last segment. */
export const PROBLEM_TYPE_BASE = 'https://tollgate.dev/problems/';
