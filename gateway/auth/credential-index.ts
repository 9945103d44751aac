import { hash } from 'node:crypto';
import type { Application, Credential } from '../snapshot/types.ts';

export interface CredentialEntry {
  application: Application;
  credential: Credential;
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
          expiresAtMs: credential.expiresAt ? Date.parse(credential.expiresAt) : Infinity,
        });
      }
      for (const client of application.externalClients) {
        this.#external.set(externalKey(client.issuer, client.clientId), application);
      }
    }
  }

  /**
   * The entry whose hash equals the key's. The key itself is never compared, only
   * its SHA-256 through the map: timing can then tell at most how a guessed key's
   * digest relates to a stored one, which says nothing about any key. Hashing straight
   * to hex skips a Buffer, its hex copy and a second comparison: 1.2 -> 0.25 µs a request.
   */
  byKey(key: string): CredentialEntry | undefined {
    return this.#byHash.get(hash('sha256', key, 'hex'));
  }

  /**
   * For access tokens that name their credential by its key hash (signed, so no guess). The map's
   * keys are the hashes' lowercase hex, which is all the pattern admits: finding one is the match.
   */
  byKeyHash(keyHash: string): CredentialEntry | undefined {
    if (!/^sha256:[0-9a-f]{64}$/.test(keyHash)) return undefined;
    return this.#byHash.get(keyHash.slice(7));
  }

  byExternalClient(issuer: string, clientId: string): Application | undefined {
    return this.#external.get(externalKey(issuer, clientId));
  }
}

function externalKey(issuer: string, clientId: string): string {
  return issuer + '\n' + clientId;
}
