import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKeyRing } from '../gateway/tokens/signing-keys.ts';
import { generateKey, rotateRing, type GenerateKey, type RotationPolicy } from '../operator/tokens/signing-key-policy.ts';

/**
 * Dev mode's signing keys: one JSON file in the state directory (0600), what a
 * cluster keeps in the operator's Secret. Rotated by the same policy.
 */
export class DevSigningKeys {
  readonly file: string;
  readonly #policy: RotationPolicy;
  readonly #generate: GenerateKey;
  #ring: SigningKeyRing | undefined;

  constructor(stateDir: string, policy: RotationPolicy, generate: GenerateKey = generateKey) {
    this.#policy = policy;
    this.#generate = generate;
    this.file = join(stateDir, 'signing-keys.json');
    this.#ring = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as SigningKeyRing) : undefined;
  }

  /** The ring at `now`, rotated and saved if the policy says so; `changed` when it differs from before. */
  at(now: Date, options: { force?: boolean } = {}): { ring: SigningKeyRing; changed: boolean } {
    const next = rotateRing(this.#ring, now, this.#policy, this.#generate, options);
    if (next.changed) {
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(next.ring, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.file);
    }
    this.#ring = next.ring;
    return next;
  }
}
