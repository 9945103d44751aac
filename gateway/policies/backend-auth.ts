import { GatewayError } from '../errors/gateway-error.ts';
import type { BackendAuth } from '../snapshot/types.ts';
import type { SecretStore } from './secret-store.ts';

/** What goes on the upstream request: one header, whose value is built from a Secret at request time. */
export type BackendCredential = { header: string; value: string };

/** How long a token fetch may take, and how many tries one request waits on. */
const TOKEN_TIMEOUT_MS = 5_000;
const TOKEN_ATTEMPTS = 2;
/** A token is renewed this long before it expires, so none is sent that expires in flight. */
const EARLY_RENEWAL_MS = 30_000;
/** After a failed fetch, requests fail at once for this long instead of each trying again. */
const FAILURE_BACKOFF_MS = 1_000;

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * Credentials toward the upstream (WSO2 endpoint security). `basic` and `header` are
 * answered synchronously from the Secret; `oauth2` fetches a client-credentials token,
 * keeps it until shortly before it expires, and shares one fetch among the requests
 * that wait for it. A missing Secret or failed fetch refuses the request with 503: it is
 * never forwarded without the credential the API says the upstream needs.
 */
export class BackendAuthenticator {
  readonly #secrets: SecretStore;
  readonly #now: () => number;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<CachedToken>>();
  readonly #failedUntil = new Map<string, number>();
  /** Header values built from Secrets, until the store reads them again (a rotation). */
  #built = new WeakMap<BackendAuth, BackendCredential>();
  #builtGeneration = 0;

  constructor(secrets: SecretStore, now: () => number) {
    this.#secrets = secrets;
    this.#now = now;
  }

  credential(auth: BackendAuth): BackendCredential | Promise<BackendCredential> | undefined {
    if (auth.kind === 'oauth2') return this.#oauth2(auth);
    if (auth.kind === 'clientCertificate') return undefined;
    if (this.#builtGeneration !== this.#secrets.generation) {
      this.#built = new WeakMap();
      this.#builtGeneration = this.#secrets.generation;
    }
    let built = this.#built.get(auth);
    if (!built) this.#built.set(auth, (built = this.#fromSecret(auth)));
    return built;
  }

  /** Kept per snapshot object (weakly): a new snapshot builds afresh, and the old one's values go with it. */
  #fromSecret(auth: BackendAuth): BackendCredential {
    switch (auth.kind) {
      case 'basic': {
        const user = this.#secrets.text(auth.secret, 'username');
        const password = this.#secrets.text(auth.secret, 'password');
        if (user === undefined || password === undefined) throw unavailable(auth, 'username and password');
        return { header: 'authorization', value: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
      }
      case 'header': {
        const value = this.#secrets.text(auth.secret, 'value');
        if (value === undefined || /[\r\n\0]/.test(value)) throw unavailable(auth, 'value');
        return { header: auth.header ?? 'authorization', value };
      }
      default:
        throw new Error(`backend ${auth.kind} credentials are not a header`);
    }
  }

  #oauth2(auth: BackendAuth): BackendCredential | Promise<BackendCredential> {
    const id = `${auth.secret.namespace}/${auth.secret.name} ${auth.tokenUrl ?? ''} ${(auth.scopes ?? []).join(' ')}`;
    const now = this.#now();
    const cached = this.#tokens.get(id);
    if (cached && cached.expiresAt - EARLY_RENEWAL_MS > now) return { header: 'authorization', value: `Bearer ${cached.value}` };
    if ((this.#failedUntil.get(id) ?? 0) > now) throw unavailable(auth, 'a token (the last fetch failed)');
    let pending = this.#pending.get(id);
    if (!pending) {
      pending = this.#fetchToken(auth).then(
        (token) => {
          this.#pending.delete(id);
          this.#tokens.set(id, token);
          return token;
        },
        (err: unknown) => {
          this.#pending.delete(id);
          this.#failedUntil.set(id, this.#now() + FAILURE_BACKOFF_MS);
          throw err;
        },
      );
      this.#pending.set(id, pending);
    }
    return pending.then((token) => ({ header: 'authorization', value: `Bearer ${token.value}` }));
  }

  async #fetchToken(auth: BackendAuth): Promise<CachedToken> {
    const clientId = this.#secrets.text(auth.secret, 'clientId');
    const clientSecret = this.#secrets.text(auth.secret, 'clientSecret');
    if (clientId === undefined || clientSecret === undefined || !auth.tokenUrl) throw unavailable(auth, 'clientId and clientSecret');
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scopes?.length) body.set('scope', auth.scopes.join(' '));
    let lastError: unknown;
    for (let attempt = 0; attempt < TOKEN_ATTEMPTS; attempt++) {
      try {
        const res = await fetch(auth.tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64'),
          },
          body,
          signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
        });
        const json = (await res.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined;
        if (res.ok && typeof json?.access_token === 'string' && /^[\x21-\x7e]+$/.test(json.access_token)) {
          const ttl = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : 300_000;
          return { value: json.access_token, expiresAt: this.#now() + ttl };
        }
        lastError = new Error(`token endpoint answered ${res.status}`);
        // A refusal of the client's credentials will not change on a retry.
        if (res.status >= 400 && res.status < 500) break;
      } catch (err) {
        lastError = err;
      }
    }
    throw unavailable(auth, 'a token', lastError);
  }
}

function unavailable(auth: BackendAuth, what: string, cause?: unknown): GatewayError {
  // The detail names the Secret, never its content; clients see only the code.
  return new GatewayError('backend-credentials-unavailable', undefined, {
    cause: cause ?? new Error(`backend ${auth.kind} credentials: ${what} not found in Secret ${auth.secret.namespace}/${auth.secret.name}`),
  });
}
