import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { SigningKeyRing } from '../../gateway/tokens/signing-keys.ts';
import { generateKey, rotateRing, type GenerateKey, type RotationPolicy } from './signing-key-policy.ts';

/** The Secret's one data key; gateways mount it and read this file (`--signing-keys`). */
export const SIGNING_KEYS_FIELD = 'signing-keys.json';

/**
 * The token service's signing keys in a Secret the operator creates and rotates
 * (the leader alone writes; every replica reads it, to publish the public keys).
 * Writes carry the resourceVersion read, so two writers can never both rotate.
 */
export class SecretSigningKeys {
  readonly #core: CoreV1Api;
  readonly #namespace: string;
  readonly #name: string;
  readonly #policy: RotationPolicy;
  readonly #generate: GenerateKey;
  #ring: SigningKeyRing | undefined;

  constructor(core: CoreV1Api, options: { namespace: string; name?: string; policy: RotationPolicy; generate?: GenerateKey }) {
    this.#core = core;
    this.#namespace = options.namespace;
    this.#name = options.name ?? 'tollgate-signing-keys';
    this.#policy = options.policy;
    this.#generate = options.generate ?? generateKey;
  }

  get name(): string {
    return this.#name;
  }

  /** The last ring read or written, for the snapshot's public keys. */
  current(): SigningKeyRing | undefined {
    return this.#ring;
  }

  /**
   * Reads the Secret and, when leading, rotates it as the policy says. Returns
   * whether the ring to publish changed. Errors are thrown for the caller to log
   * and retry; the last ring stays in use meanwhile.
   */
  async reconcile(now: Date, leading: boolean): Promise<boolean> {
    const before = JSON.stringify(this.#ring);
    let secret: V1Secret | undefined;
    try {
      secret = await this.#core.readNamespacedSecret({ name: this.#name, namespace: this.#namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    const stored = secret?.data?.[SIGNING_KEYS_FIELD];
    const ring = stored ? (JSON.parse(Buffer.from(stored, 'base64').toString('utf8')) as SigningKeyRing) : undefined;
    this.#ring = ring;
    if (leading) {
      const next = rotateRing(ring, now, this.#policy, this.#generate);
      if (next.changed) {
        await this.#write(secret, next.ring);
        this.#ring = next.ring;
      }
    }
    return JSON.stringify(this.#ring) !== before;
  }

  async #write(existing: V1Secret | undefined, ring: SigningKeyRing): Promise<void> {
    const data = { [SIGNING_KEYS_FIELD]: Buffer.from(JSON.stringify(ring)).toString('base64') };
    if (!existing) {
      await this.#core.createNamespacedSecret({
        namespace: this.#namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: {
            name: this.#name,
            namespace: this.#namespace,
            labels: { 'app.kubernetes.io/managed-by': 'tollgate', 'app.kubernetes.io/component': 'token-signing-keys' },
          },
          data,
        },
      });
      return;
    }
    await this.#core.replaceNamespacedSecret({ name: this.#name, namespace: this.#namespace, body: { ...existing, data } });
  }
}
