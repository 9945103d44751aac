import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { objectId, type ApplicationResource, type CredentialView } from '../resources/types.ts';
import { hashCredential, keyPrefixOf, newConsumerKey, newConsumerSecret, type RandomSource } from './key-format.ts';

interface StoredCredential {
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

/**
 * Dev mode's stand-in for the Secrets the operator writes: generated keys live
 * in one JSON file under the state directory, readable by its owner alone
 * (0600). The compiler sees only the hashes (CredentialView).
 */
export class DevCredentialStore {
  private readonly file: string;
  private readonly stateDir: string;
  private readonly random: RandomSource;
  private readonly now: () => Date;
  private credentials: StoredCredential[];

  constructor(stateDir: string, options: { random?: RandomSource; now?: () => Date } = {}) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.stateDir = stateDir;
    this.file = join(stateDir, 'credentials.json');
    this.random = options.random ?? randomBytes;
    this.now = options.now ?? (() => new Date());
    this.credentials = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as StoredCredential[]) : [];
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
    const kept = this.credentials.filter((c) => wanted.has(`${c.application}/${c.name}`));
    const issued: IssuedCredential[] = [];
    for (const [key, w] of wanted) {
      if (!w.generate || kept.some((c) => `${c.application}/${c.name}` === key)) continue;
      const credential = {
        application: w.app,
        name: w.name,
        consumerKey: newConsumerKey(this.random),
        consumerSecret: newConsumerSecret(this.random),
        issuedAt: this.now().toISOString(),
      };
      kept.push(credential);
      issued.push({ application: w.app, name: w.name, consumerKey: credential.consumerKey, consumerSecret: credential.consumerSecret });
    }
    if (issued.length || kept.length !== this.credentials.length) this.save(kept);
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
    return this.credentials.map((c) => ({
      application: c.application,
      name: c.name,
      keyHash: hashCredential(c.consumerKey),
      secretHash: hashCredential(c.consumerSecret),
      keyPrefix: keyPrefixOf(c.consumerKey),
      issuedAt: c.issuedAt,
      secretName: 'credentials.json',
    }));
  }

  /** The stored key of one credential, for `tollgate credentials show --reveal` and tests. */
  reveal(application: string, name: string): { consumerKey: string; consumerSecret: string } | undefined {
    const c = this.credentials.find((x) => x.application === application && x.name === name);
    return c && { consumerKey: c.consumerKey, consumerSecret: c.consumerSecret };
  }

  private save(credentials: StoredCredential[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
