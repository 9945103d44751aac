import type { Snapshot } from '../gateway/snapshot/types.ts';

export interface RefreshBounds {
  /** Never sooner: many credentials expiring a few ms apart must not turn into a recompile loop. */
  minMs: number;
  /** Never later: what changes with time alone beyond expiries is caught within this, as by the operator's resync. */
  maxMs: number;
}

export const DEFAULT_REFRESH_BOUNDS: RefreshBounds = { minMs: 1_000, maxMs: 60_000 };

// Timers and the wall clock drift apart by a few ms; landing just after the expiry avoids a second, late, refresh.
const PAST_EXPIRY_MS = 10;

/** How long until statuses may change by the clock alone: the earliest credential expiry still ahead, within bounds. */
export function nextRefreshMs(snapshot: Snapshot, now: number, bounds: RefreshBounds = DEFAULT_REFRESH_BOUNDS): number {
  let earliest = Infinity;
  for (const a of snapshot.applications) {
    for (const c of a.credentials) {
      if (!c.expiresAt || c.revoked) continue;
      const at = Date.parse(c.expiresAt);
      if (at > now && at < earliest) earliest = at;
    }
  }
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, earliest - now + PAST_EXPIRY_MS));
}
