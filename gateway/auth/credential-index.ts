import { hash, timingSafeEqual } from 'node:crypto';
import type { Application, Credential } from '../snapshot/types.ts';

export interface CredentialEntry {
  application: Application;
  credential: Credential;
  digest: Buffer;
  /** Epoch ms, or Infinity. */
  expiresAtMs: number;
}

/** Keys are looked up by their SHA-256: the data plane never holds a key, only its hash. */
export class CredentialIndex {
  readonly #byHash = new Map<string, CredentialEntry>();
  readonly #external = new Map<string, Application>();

  constructor(applications: readonly Application[]) {
    for (const application of applications) {
      for (const credential of application.credentials) {
        const hex = credential.keyHash.slice('sha256:'.length);
        this.#byHash.set(hex, {
          application,
          credential,
          digest: Buffer.from(hex, 'hex'),
          expiresAtMs: credential.expiresAt ? Date.parse(credential.expiresAt) : Infinity,
        });
      }
      for (const client of application.externalClients) {
        this.#external.set(externalKey(client.issuer, client.clientId), application);
      }
    }
  }

  /** The entry whose hash equals the key's, confirmed with a constant-time comparison. */
  byKey(key: string): CredentialEntry | undefined {
    // The one-shot hash: no Hash object per request.
    const digest = hash('sha256', key, 'buffer');
    return this.#confirm(digest);
  }

  /** For access tokens that name their credential by its key hash. */
  byKeyHash(keyHash: string): CredentialEntry | undefined {
    if (!/^sha256:[0-9a-f]{64}$/.test(keyHash)) return undefined;
    return this.#confirm(Buffer.from(keyHash.slice(7), 'hex'));
  }

  byExternalClient(issuer: string, clientId: string): Application | undefined {
    return this.#external.get(externalKey(issuer, clientId));
  }

  #confirm(digest: Buffer): CredentialEntry | undefined {
    const entry = this.#byHash.get(digest.toString('hex'));
    if (!entry || !timingSafeEqual(entry.digest, digest)) return undefined;
    return entry;
  }
}

function externalKey(issuer: string, clientId: string): string {
  return issuer + '\n' + clientId;
}
