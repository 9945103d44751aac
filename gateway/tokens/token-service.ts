import { createHash, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import type { CredentialEntry } from '../auth/credential-index.ts';
import { credentialLiveness, type Liveness } from '../auth/credential-liveness.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { Exchange } from '../http/exchange.ts';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { TokenIssuer } from '../snapshot/types.ts';
import { clientAuthentication } from './client-credentials.ts';
import { FailureThrottle } from './failure-throttle.ts';
import { loadSigningKeys, signingKeyAt, type LoadedRing } from './signing-keys.ts';

/** The token service's own paths, answered before any API route is looked at. */
export const TOKEN_PATH = '/oauth2/token';
export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'server_error';

const MAX_FORM_BYTES = 8 * 1024;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Compared against when the client is unknown, so that unknown and wrong look alike in time. */
const DUMMY_DIGEST = createHash('sha256').update('tollgate: no such client').digest();

export interface TokenServiceOptions {
  now: () => number;
  metrics: GatewayMetrics;
  newTokenId?: () => string;
  /** Failed client authentications allowed per client id, and per source address, in each window. */
  failuresPerClient?: number;
  failuresPerSource?: number;
  failureWindowMs?: number;
}

/**
 * The OAuth2 client-credentials token service (RFC 6749 §4.4) with RFC 9068
 * access tokens, plus the JWKS and RFC 8414 metadata that let anyone verify them.
 * Issuer, audience and public keys come from the snapshot; the private keys from
 * the signing key ring, which only this class sees.
 */
export class TokenService {
  readonly #o: TokenServiceOptions;
  readonly #perClient: FailureThrottle;
  readonly #perSource: FailureThrottle;
  readonly #published = new WeakMap<TokenIssuer, Set<string>>();
  #ring: LoadedRing | undefined;

  constructor(options: TokenServiceOptions) {
    this.#o = options;
    const windowMs = options.failureWindowMs ?? 60_000;
    this.#perClient = new FailureThrottle({ limit: options.failuresPerClient ?? 10, windowMs });
    this.#perSource = new FailureThrottle({ limit: options.failuresPerSource ?? 30, windowMs });
  }

  setSigningKeys(candidate: unknown): { ok: true } | { ok: false; errors: string[] } {
    const checked = loadSigningKeys(candidate);
    this.#o.metrics.signingKeysOffered(checked.ok ? 'applied' : 'refused');
    if (!checked.ok) return checked;
    this.#ring = checked.ring;
    return { ok: true };
  }

  /**
   * The key the gateway signs its JWTs for backends with (gateway/policies/backend-jwt.ts): the one
   * that signs access tokens now, so backends verify both with the JWKS the service publishes.
   */
  currentSigningKey(runtime: RuntimeSnapshot, now: number): { kid: string; alg: string; key: KeyObject } | undefined {
    const tokens = runtime.snapshot.tokens;
    if (!tokens || !this.#ring) return undefined;
    return signingKeyAt(this.#ring, this.#publishedKids(tokens), now);
  }

  /** Which of the service's endpoints a request is for, by its exact path; undefined for everything else. */
  endpointOf(req: IncomingMessage, runtime: RuntimeSnapshot): 'token' | 'jwks' | 'metadata' | undefined {
    const tokens = runtime.snapshot.tokens;
    if (!tokens) return undefined;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === TOKEN_PATH) return 'token';
    if (path === JWKS_PATH) return 'jwks';
    if (path === METADATA_PATH || path === METADATA_PATH + issuerPath(tokens.issuer)) return 'metadata';
    return undefined;
  }

  async serve(endpoint: 'token' | 'jwks' | 'metadata', req: IncomingMessage, res: ServerResponse, runtime: RuntimeSnapshot, exchange: Exchange): Promise<void> {
    const tokens = runtime.snapshot.tokens!;
    exchange.api = 'tollgate/token-service';
    exchange.path = endpoint === 'token' ? TOKEN_PATH : endpoint === 'jwks' ? JWKS_PATH : METADATA_PATH;
    if (endpoint !== 'token') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendJson(res, 405, { error: 'invalid_request', error_description: 'use GET' }, { allow: 'GET, HEAD' });
      req.resume();
      const body = endpoint === 'jwks' ? { keys: tokens.keys } : metadata(tokens, runtime);
      // Short enough that a rotation's pre-publication period covers it.
      return sendJson(res, 200, body, { 'cache-control': 'public, max-age=60' });
    }
    const outcome = await this.#token(req, runtime, tokens);
    exchange.detail = outcome.result;
    if (outcome.application) exchange.application = outcome.application;
    if (outcome.credential) exchange.credential = outcome.credential;
    this.#o.metrics.tokenRequest(outcome.result);
    sendJson(res, outcome.status, outcome.body, { 'cache-control': 'no-store', pragma: 'no-cache', ...outcome.headers });
  }

  async #token(req: IncomingMessage, runtime: RuntimeSnapshot, tokens: TokenIssuer): Promise<Outcome> {
    if (req.method !== 'POST') return { ...error('invalid_request', 'use POST', 405), headers: { allow: 'POST' } };
    if ((req.url ?? '').includes('?')) {
      req.resume();
      return error('invalid_request', 'token request parameters go in the body, not the URL');
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      req.resume();
      return error('invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const text = await readBody(req);
    if (text === undefined) return error('invalid_request', `the body is larger than ${MAX_FORM_BYTES} bytes`, 413);
    const form = new URLSearchParams(text);
    for (const name of new Set(form.keys())) {
      if (form.getAll(name).length > 1) return error('invalid_request', `${name} appears more than once`);
    }
    const grant = form.get('grant_type');
    if (grant === null) return error('invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials') return error('unsupported_grant_type', 'only client_credentials is supported');

    const client = clientAuthentication(req, form);
    if (!client.ok) return withChallenge(error(client.error, client.description, client.error === 'invalid_client' ? 401 : 400), client.basic);
    const basic = client.method === 'client_secret_basic';

    const now = this.#o.now();
    const source = `source:${req.socket.remoteAddress ?? ''}`;
    const clientKey = `client:${client.clientId}`;
    const waitMs = Math.max(this.#perClient.blockedFor(clientKey, now), this.#perSource.blockedFor(source, now));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      return {
        status: 429,
        body: { error: 'invalid_client', error_description: `too many failed client authentications; try again in ${seconds} s` },
        headers: { 'retry-after': String(seconds) },
        result: 'throttled',
      };
    }

    const entry = runtime.credentials.byKey(client.clientId);
    if (!secretMatches(entry, client.clientSecret) || !entry) {
      this.#perClient.fail(clientKey, now);
      this.#perSource.fail(source, now);
      return withChallenge(error('invalid_client', 'client authentication failed', 401), basic);
    }
    const who = { application: entry.application.id, credential: entry.credential.name };
    const liveness = credentialLiveness(entry.application, entry, now);
    if (liveness !== 'live') return { ...notLive(liveness, basic), ...who };

    const granted = grantedScopes(this.#grantableScopes(runtime, entry.application.id), form.get('scope'));
    if (!Array.isArray(granted)) return { ...granted, ...who };

    const key = this.#ring && signingKeyAt(this.#ring, this.#publishedKids(tokens), now);
    if (!key) return { ...error('server_error', 'no signing key is available yet', 503), headers: { 'retry-after': '1' }, ...who };
    const ttl = this.#ring!.accessTokenTtlSeconds;
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = {
      client_id: entry.credential.keyHash,
      jti: (this.#o.newTokenId ?? randomUUID)(),
    };
    if (granted.length) claims.scope = granted.join(' ');
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(tokens.issuer)
      .setAudience(tokens.audience)
      .setSubject(entry.application.id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(key.key);
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
    if (granted.length) body.scope = granted.join(' ');
    return { status: 200, body, result: 'issued', ...who };
  }

  /** Apigee's master scope: the union of the scopes of the products the application is actively subscribed to here (the runtime holds only this environment's). */
  #grantableScopes(runtime: RuntimeSnapshot, application: string): Set<string> {
    const scopes = new Set<string>();
    for (const subscription of runtime.subscriptionsByApplication.get(application) ?? []) {
      const product = runtime.products.get(subscription.product)?.product;
      if (!product) continue;
      for (const s of product.scopes) scopes.add(s);
    }
    return scopes;
  }

  #publishedKids(tokens: TokenIssuer): Set<string> {
    let kids = this.#published.get(tokens);
    if (!kids) this.#published.set(tokens, (kids = new Set(tokens.keys.map((k) => String(k.kid)))));
    return kids;
  }
}

interface Outcome {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** `issued`, or the error, for the metric and the access log. */
  result: string;
  application?: string;
  credential?: string;
}

/** The scopes asked for that the application may have (all of them when none is asked for), or the error. */
function grantedScopes(allowed: Set<string>, requested: string | null): string[] | Outcome {
  if (requested === null) return [...allowed].sort();
  const asked = requested.split(' ');
  if (asked.some((s) => !SCOPE_TOKEN.test(s))) return error('invalid_request', 'scope must be scope tokens separated by single spaces');
  const granted = [...new Set(asked.filter((s) => allowed.has(s)))].sort();
  if (granted.length === 0) return error('invalid_scope', 'none of the requested scopes is granted by the products this application is subscribed to');
  return granted;
}

function error(code: OAuthError, description: string, status = 400): Outcome {
  return { status, body: { error: code, error_description: description }, result: code };
}

/** The token endpoint's OAuth error for a client that authenticated but may not act. */
function notLive(liveness: Exclude<Liveness, 'live'>, basic: boolean): Outcome {
  switch (liveness) {
    case 'revoked':
      return withChallenge(error('invalid_client', 'the credential has been revoked', 401), basic);
    case 'expired':
      return withChallenge(error('invalid_client', 'the credential has expired', 401), basic);
    case 'owner-suspended':
      return error('unauthorized_client', 'the owner is suspended');
    case 'application-suspended':
      return error('unauthorized_client', 'the application is suspended');
  }
}

/** RFC 6749 §5.2: a 401 to a client that used Basic must challenge Basic. */
function withChallenge(outcome: Outcome, basic: boolean): Outcome {
  if (outcome.status !== 401 || !basic) return outcome;
  return { ...outcome, headers: { ...outcome.headers, 'www-authenticate': 'Basic realm="tollgate", charset="UTF-8"' } };
}

function secretMatches(entry: CredentialEntry | undefined, secret: string): boolean {
  const digest = createHash('sha256').update(secret).digest();
  const stored = entry?.credential.secretHash;
  const expected = stored ? Buffer.from(stored.slice('sha256:'.length), 'hex') : DUMMY_DIGEST;
  return timingSafeEqual(digest, expected) && stored !== undefined;
}

function metadata(tokens: TokenIssuer, runtime: RuntimeSnapshot): Record<string, unknown> {
  // The endpoints are served at the gateway's root, whatever path the issuer has.
  const origin = URL.canParse(tokens.issuer) ? new URL(tokens.issuer).origin : tokens.issuer.replace(/\/+$/, '');
  const scopes = new Set<string>();
  // The document is anonymous: private and internal products' scopes would tell anyone they exist.
  for (const { product } of runtime.products.values()) {
    if (product.access !== 'public') continue;
    for (const s of product.scopes) scopes.add(s);
  }
  return {
    issuer: tokens.issuer,
    token_endpoint: origin + TOKEN_PATH,
    jwks_uri: origin + JWKS_PATH,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: [],
    scopes_supported: [...scopes].sort(),
  };
}

function issuerPath(issuer: string): string {
  try {
    const path = new URL(issuer).pathname;
    return path === '/' ? '' : path.replace(/\/$/, '');
  } catch {
    return '';
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
