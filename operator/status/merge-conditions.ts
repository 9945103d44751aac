import type { Condition } from '../compiler/conditions.ts';

export interface StoredCondition extends Condition {
  lastTransitionTime: string;
}

/**
 * Stamps the compiler's conditions with `lastTransitionTime`: kept from the
 * previous status when the condition's status did not change (as
 * meta.SetStatusCondition does), `now` otherwise.
 */
export function mergeConditions(previous: ReadonlyArray<Partial<StoredCondition>> | undefined, next: Condition[], now: Date): StoredCondition[] {
  // Formatted once per object, and only if a condition changed: this runs for every object on every status pass.
  let stamp: string | undefined;
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const lastTransitionTime =
      old?.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : (stamp ??= now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime, observedGeneration: c.observedGeneration };
  });
}
