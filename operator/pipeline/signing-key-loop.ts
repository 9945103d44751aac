import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { TokenIssuer } from '../../gateway/snapshot/types.ts';
import { SecretSigningKeys } from '../tokens/secret-signing-keys.ts';
import { DEFAULT_POLICY, publicKeys, type RotationPolicy } from '../tokens/signing-key-policy.ts';

export interface TokenServiceOptions {
  issuer: string;
  audience?: string;
  policy?: Partial<RotationPolicy>;
  secretName?: string;
  checkEveryMs?: number;
}

export interface SigningKeyLoopOptions {
  isLeader: () => boolean;
  clock: () => Date;
  logger: Logger;
  /** The ring changed: the snapshot must carry the new public keys. */
  onChange: () => void;
}

/**
 * The token service's signing keys, in a Secret in the lease namespace: every
 * replica reads the ring (to publish its public keys); the leader also creates
 * and rotates it. Checked on a timer and whenever the lead changes.
 */
export class SigningKeyLoop {
  private readonly keys: SecretSigningKeys;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private readonly tokens: TokenServiceOptions;
  private readonly o: SigningKeyLoopOptions;

  constructor(core: CoreV1Api, namespace: string, tokens: TokenServiceOptions, o: SigningKeyLoopOptions) {
    this.tokens = tokens;
    this.o = o;
    this.keys = new SecretSigningKeys(core, {
      namespace,
      ...(tokens.secretName ? { name: tokens.secretName } : {}),
      policy: { ...DEFAULT_POLICY, ...tokens.policy },
    });
    this.timer = setInterval(() => void this.check(), tokens.checkEveryMs ?? 30_000);
    this.timer.unref();
  }

  /** What the compiler puts in the snapshot for gateways to verify tokens with; undefined before the ring is read. */
  issuer(): TokenIssuer | undefined {
    const ring = this.keys.current();
    return ring ? { issuer: this.tokens.issuer, audience: this.tokens.audience ?? 'tollgate', keys: publicKeys(ring) } : undefined;
  }

  async check(): Promise<void> {
    if (this.closed) return;
    try {
      if (await this.keys.reconcile(this.o.clock(), this.o.isLeader())) {
        this.o.logger.info({ secret: this.keys.name, kids: this.keys.current()?.keys.map((k) => k.kid) }, 'signing keys changed');
        this.o.onChange();
      }
    } catch (e) {
      this.o.logger.warn(
        { err: String((e as Error).message ?? e), secret: this.keys.name },
        'signing keys could not be read or rotated; the current ones stay',
      );
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
