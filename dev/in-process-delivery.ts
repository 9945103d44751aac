import type { ApplyResult, Gateway } from '../gateway/server/create-gateway.ts';
import type { SigningKeyRing } from '../gateway/tokens/signing-keys.ts';
import type { Delivery } from '../operator/pipeline/compile-and-deliver.ts';

/** Dev mode's delivery: the one gateway runs in this process and swaps the snapshot in, or keeps the last good one. */
export function inProcessDelivery(
  gateway: Pick<Gateway, 'applySnapshot' | 'setSigningKeys'>,
  keys: { ring: () => SigningKeyRing; file: string },
): Delivery<ApplyResult> {
  let ringInGateway: SigningKeyRing | undefined;
  return {
    deliver({ snapshot }) {
      const applied = gateway.applySnapshot(snapshot, 'dev');
      if (!applied.ok) return applied;
      // After the snapshot: a key is published before the gateway may sign with it.
      // Only when it changed: every edit recompiles, the ring changes once a rotation.
      const ring = keys.ring();
      if (ring !== ringInGateway && gateway.setSigningKeys(ring, keys.file).ok) ringInGateway = ring;
      return applied;
    },
  };
}
