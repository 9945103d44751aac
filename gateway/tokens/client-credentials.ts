import type { IncomingMessage } from 'node:http';

export type ClientAuthentication =
  | { ok: true; method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string }
  | { ok: false; error: 'invalid_request' | 'invalid_client'; description: string; basic: boolean };

/**
 * The client's id and secret, from exactly one place: HTTP Basic (RFC 6749
 * §2.3.1: both parts form-urlencoded before base64) or the form body.
 */
export function clientAuthentication(req: IncomingMessage, form: URLSearchParams): ClientAuthentication {
  const header = req.headers.authorization;
  const inForm = form.has('client_id') || form.has('client_secret');
  if (header !== undefined) {
    if (inForm)
      return { ok: false, error: 'invalid_request', description: 'client credentials were sent both in the Authorization header and in the body', basic: true };
    const match = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
    if (!match)
      return { ok: false, error: 'invalid_client', description: 'only HTTP Basic client authentication is accepted in the Authorization header', basic: true };
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, error: 'invalid_client', description: 'the Basic credentials have no ":"', basic: true };
    try {
      return {
        ok: true,
        method: 'client_secret_basic',
        clientId: formDecode(decoded.slice(0, colon)),
        clientSecret: formDecode(decoded.slice(colon + 1)),
      };
    } catch {
      return { ok: false, error: 'invalid_client', description: 'the Basic credentials are not form-urlencoded', basic: true };
    }
  }
  const clientId = form.get('client_id');
  const clientSecret = form.get('client_secret');
  if (clientId === null || clientSecret === null) {
    return { ok: false, error: 'invalid_client', description: 'client authentication is required (HTTP Basic, or client_id and client_secret)', basic: false };
  }
  return { ok: true, method: 'client_secret_post', clientId, clientSecret };
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
