import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Application } from '../snapshot/types.ts';
import { presentedApiKey } from './api-key.ts';
import { requireLive } from './credential-liveness.ts';
import type { CredentialIndex } from './credential-index.ts';
import { claimedIssuer, type IssuerVerifier } from './jwt-verifier.ts';

export interface Identity {
  application: Application;
  /** The credential's name (never the key), for built-in tokens and keys. */
  credential?: string;
  kind: 'apiKey' | 'jwt' | 'certificate';
  /** Scopes a bearer token carries; undefined for API keys, which have no scopes. */
  scopes?: string[];
  issuer?: string;
  /** The bearer token's claims, for `${claim.NAME}` in policies and limits keyed by a claim. */
  claims?: Readonly<Record<string, unknown>>;
  /** The client certificate's name in the Application, when it identified the caller. */
  certificate?: string;
}

export interface AuthConfig {
  apiKeyHeader?: string;
  apiKeyQuery?: string;
  /** Issuer -> verifier, for every token source this API accepts. */
  verifiers: Map<string, IssuerVerifier>;
}

export interface AuthOutcome {
  identity: Identity;
  /** What to take off the request before forwarding it. */
  strip: { header?: string | undefined; authorization: boolean };
  /** The query to forward. */
  query: string | undefined;
}

/**
 * Who is calling, from exactly one credential. The credential must be live at
 * `now` (the gateway's clock, at request time), and so must its application and owner.
 * An API key is answered synchronously (no Promise on the hot path); a bearer token
 * may need a remote key set, so it is answered with a promise.
 */
export function authenticate(
  req: IncomingMessage,
  config: AuthConfig,
  index: CredentialIndex,
  query: string | undefined,
  now: number,
): AuthOutcome | Promise<AuthOutcome> {
  const key = config.apiKeyHeader ? presentedApiKey(req, config.apiKeyHeader, config.apiKeyQuery, query) : undefined;
  const bearer = config.verifiers.size ? bearerToken(req) : undefined;
  if (key && bearer !== undefined) throw new GatewayError('ambiguous-credentials', 'both an API key and a bearer token were sent');

  if (key) {
    const entry = key.key === '' ? undefined : index.byKey(key.key);
    if (!entry) throw new GatewayError('credentials-invalid', 'the API key is not known');
    requireLive(entry.application, entry, now);
    return {
      identity: { application: entry.application, credential: entry.credential.name, kind: 'apiKey' },
      strip: { header: config.apiKeyHeader, authorization: false },
      query: key.query,
    };
  }

  if (bearer !== undefined) return authenticateBearer(bearer, config, index, query, now);

  throw new GatewayError('credentials-missing', undefined, {
    headers: config.verifiers.size ? { 'www-authenticate': 'Bearer realm="tollgate"' } : {},
  });
}

async function authenticateBearer(bearer: string, config: AuthConfig, index: CredentialIndex, query: string | undefined, now: number): Promise<AuthOutcome> {
  const iss = claimedIssuer(bearer);
  const verifier = iss === undefined ? undefined : config.verifiers.get(iss);
  if (!verifier) throw new GatewayError('credentials-invalid', 'the token is not from an issuer this API accepts');
  const token = await verifier.verify(bearer, now);
  let application: Application | undefined;
  let credential: string | undefined;
  if (token.builtIn) {
    const entry = index.byKeyHash(token.clientId);
    if (!entry || entry.application.id !== token.payload.sub) throw new GatewayError('credentials-invalid', 'the token names no known credential');
    requireLive(entry.application, entry, now);
    application = entry.application;
    credential = entry.credential.name;
  } else {
    application = index.byExternalClient(token.issuer, token.clientId);
    if (!application) throw new GatewayError('credentials-invalid', 'no application is registered for this client');
    requireLive(application, undefined, now);
  }
  const identity: Identity = { application, kind: 'jwt', scopes: token.scopes, issuer: token.issuer, claims: token.payload };
  if (credential !== undefined) identity.credential = credential;
  return { identity, strip: { authorization: true }, query };
}

/** The bearer token, if the request carries one; other schemes are the upstream's business. */
function bearerToken(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  if (typeof value !== 'string' || value.length < 7) return undefined;
  if (value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return value.slice(7).trim();
}
