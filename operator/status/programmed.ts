import type { Condition } from '../compiler/conditions.ts';
import { Reason, incompleteMessage } from '../compiler/conditions.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { objectKey } from '../resources/object-key.ts';

export interface ReplicaReport {
  replica: string;
  applied: string | null;
  /** RFC 3339: when the replica was last heard from. */
  at: string;
}

/**
 * Knows which object generations each published snapshot contains, so that a
 * replica's report ("I serve version V") says which objects it has programmed.
 * Keeps the last `keep` versions; a replica on an older one counts as behind.
 */
export class ProgrammedTracker {
  private readonly versions = new Map<string, Map<string, number>>();
  private readonly keep: number;

  constructor(keep = 64) {
    this.keep = keep;
  }

  record(version: string, statuses: ObjectStatus[]): void {
    if (this.versions.has(version)) this.versions.delete(version);
    this.versions.set(version, new Map(statuses.map((s) => [objectKey(s), s.generation])));
    while (this.versions.size > this.keep) this.versions.delete(this.versions.keys().next().value!);
  }

  /**
   * Sets Programmed on every status the compiler left at Unknown/Pending: True
   * when every live replica serves a snapshot with this generation or a later
   * one, else Unknown with how many do. Replicas silent for `staleMs` are gone.
   * An `Incomplete` object (served in part) gets the count too but stays False.
   */
  apply(statuses: ObjectStatus[], reports: ReplicaReport[], now: Date, staleMs: number): void {
    const live = reports.filter((r) => r.applied && now.getTime() - Date.parse(r.at) <= staleMs);
    for (const s of statuses) {
      const c = s.status.conditions.find((x) => x.type === 'Programmed');
      const incomplete = c?.status === 'False' && c.reason === Reason.Incomplete;
      if (!c || (c.status === 'False' && !incomplete)) continue;
      const key = objectKey(s);
      const have = live.filter((r) => (this.versions.get(r.applied!)?.get(key) ?? 0) >= s.generation).length;
      s.status.programmedReplicas = `${have}/${live.length}`;
      if (incomplete) {
        // The part that is served is counted as any object is, but the condition stays False.
        c.message = incompleteMessage(live.length === 0 ? 'no gateway replica has reported yet' : `applied by ${have}/${live.length} gateway replicas`);
        continue;
      }
      const next: Pick<Condition, 'status' | 'reason' | 'message'> =
        live.length === 0
          ? { status: 'Unknown', reason: Reason.Pending, message: 'no gateway replica has reported yet' }
          : have === live.length
            ? { status: 'True', reason: Reason.Programmed, message: `applied by ${have}/${live.length} gateway replicas` }
            : { status: 'Unknown', reason: Reason.Pending, message: `applied by ${have}/${live.length} gateway replicas` };
      Object.assign(c, next);
    }
  }
}
