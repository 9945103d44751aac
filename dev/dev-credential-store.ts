import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { objectId, type ApplicationResource, type CredentialView } from '../operator/resources/types.ts';
import { writeFileAtomic } from './write-file-atomic.ts';
import { hashCredential, keyPrefixOf, newConsumerKey, newConsumerSecret, systemRandom, type RandomSource } from '../operator/credentials/key-format.ts';

export interface StoredCredential {
  application: string;
  name: string;
  consumerKey: string;
  consumerSecret: string;
  issuedAt: string;
}

export interface IssuedCredential {
  application: string;
  name: string;
  consumerKey: string;
  consumerSecret: string;
}

/** Where the store keeps its credentials; the default is `credentials.json` in the state directory. */
export interface CredentialPersistence {
  load(): StoredCredential[];
  save(credentials: StoredCredential[]): void;
}

/**
 * Dev mode's stand-in for the Secrets the operator writes: generated keys live
 * in one JSON file under the state directory, readable by its owner alone
 * (0600). The compiler sees only the hashes (CredentialView).
 */
export class DevCredentialStore {
  private readonly stateDir: string;
  private readonly random: RandomSource;
  private readonly now: () => Date;
  private readonly persistence: CredentialPersistence;
  /** By `application/name`: every lookup is O(1), so reconciling N credentials is O(N), not O(N²). */
  private credentials: Map<string, StoredCredential>;
  /** Hash views by credential, computed once: every recompile asks for all of them. */
  private readonly viewCache = new WeakMap<StoredCredential, CredentialView>();

  constructor(stateDir: string, options: { random?: RandomSource; now?: () => Date; persistence?: CredentialPersistence } = {}) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.stateDir = stateDir;
    this.random = options.random ?? systemRandom;
    this.now = options.now ?? (() => new Date());
    this.persistence = options.persistence ?? jsonFile(join(stateDir, 'credentials.json'));
    this.credentials = new Map(this.persistence.load().map((c) => [`${c.application}/${c.name}`, c]));
  }

  /**
   * Issues every credential the applications declare and the store lacks
   * (revoked and bring-your-own ones excepted), forgets those of applications
   * or credentials that are gone (as owner references would), and returns the
   * hash view plus what was issued now, to be shown once.
   */
  reconcile(applications: ApplicationResource[]): { views: CredentialView[]; issued: IssuedCredential[] } {
    const wanted = new Map<string, { app: string; name: string; generate: boolean }>();
    for (const a of applications) {
      for (const c of a.spec.credentials) {
        wanted.set(`${objectId(a)}/${c.name}`, { app: objectId(a), name: c.name, generate: !c.revoked && !c.secretRef });
      }
    }
    const kept = new Map<string, StoredCredential>();
    for (const [key, c] of this.credentials) if (wanted.has(key)) kept.set(key, c);
    const issued: IssuedCredential[] = [];
    for (const [key, w] of wanted) {
      if (!w.generate || kept.has(key)) continue;
      const credential = {
        application: w.app,
        name: w.name,
        consumerKey: newConsumerKey(this.random),
        consumerSecret: newConsumerSecret(this.random),
        issuedAt: this.now().toISOString(),
      };
      kept.set(key, credential);
      issued.push({ application: w.app, name: w.name, consumerKey: credential.consumerKey, consumerSecret: credential.consumerSecret });
    }
    if (issued.length || kept.size !== this.credentials.size) this.persistence.save([...kept.values()]);
    this.credentials = kept;
    return { views: [...this.views(), ...this.broughtViews(applications)], issued };
  }

  /**
   * Bring-your-own keys in dev mode: the Secret a credential names is a file
   * `<state-dir>/secrets/<namespace>/<name>.yaml` holding the key and secret
   * fields (what a Kubernetes Secret's stringData would).
   */
  private broughtViews(applications: ApplicationResource[]): CredentialView[] {
    const views: CredentialView[] = [];
    for (const a of applications) {
      for (const c of a.spec.credentials) {
        if (!c.secretRef) continue;
        const file = join(this.stateDir, 'secrets', a.metadata.namespace, `${c.secretRef.name}.yaml`);
        if (!existsSync(file)) continue;
        const data = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
        const key = data[c.secretRef.keyField];
        if (typeof key !== 'string' || !key) continue;
        const secret = data[c.secretRef.secretField];
        views.push({
          application: objectId(a),
          name: c.name,
          keyHash: hashCredential(key),
          ...(typeof secret === 'string' && secret ? { secretHash: hashCredential(secret) } : {}),
          keyPrefix: keyPrefixOf(key),
          issuedAt: statSync(file).mtime.toISOString(),
          secretName: c.secretRef.name,
        });
      }
    }
    return views;
  }

  private views(): CredentialView[] {
    const views: CredentialView[] = [];
    for (const c of this.credentials.values()) {
      let view = this.viewCache.get(c);
      if (!view) {
        view = {
          application: c.application,
          name: c.name,
          keyHash: hashCredential(c.consumerKey),
          secretHash: hashCredential(c.consumerSecret),
          keyPrefix: keyPrefixOf(c.consumerKey),
          issuedAt: c.issuedAt,
          secretName: 'credentials.json',
        };
        this.viewCache.set(c, view);
      }
      views.push(view);
    }
    return views;
  }

  /** The stored key of one credential, for `tollgate credentials show --reveal` and tests. */
  reveal(application: string, name: string): { consumerKey: string; consumerSecret: string } | undefined {
    const c = this.credentials.get(`${application}/${name}`);
    return c && { consumerKey: c.consumerKey, consumerSecret: c.consumerSecret };
  }
}

/** One JSON file, readable by its owner alone (0600), replaced whole on each save. */
function jsonFile(file: string): CredentialPersistence {
  return {
    load: () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredCredential[]) : []),
    save: (credentials) => writeFileAtomic(file, JSON.stringify(credentials, null, 2) + '\n'),
  };
}
