import type { Condition } from '../compiler/conditions.ts';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { objectKey } from '../resources/object-key.ts';

/** What a user must notice about one object, before it becomes a Kubernetes Event. */
export interface ObjectEvent {
  kind: ObjectStatus['kind'];
  namespace: string;
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  /** events.k8s.io/v1 `action`: what the operator did or failed to do. */
  action: string;
  note: string;
}

type Seen = Map<string, string>;

// A subscription's phase is a deliberate state, told by the phase events below,
// not a mistake: its Accepted=False with these reasons is no warning.
const PHASE_REASONS = new Set(['PendingApproval', 'Rejected', 'Revoked']);
const WATCHED: Array<Condition['type']> = ['Accepted', 'ResolvedRefs'];

function conditionOf(status: Record<string, unknown> | undefined, type: string): Pick<Condition, 'status' | 'reason' | 'message'> | undefined {
  const list = status?.conditions as Array<Pick<Condition, 'type' | 'status' | 'reason' | 'message'>> | undefined;
  return list?.find((c) => c.type === type);
}

/** The reason as well as the status: Accepted=True with PartialConflict is worth a warning too. */
const healthy = (type: string, c: Pick<Condition, 'status' | 'reason'>) => c.status === 'True' && c.reason === type;

function signatures(s: { kind: string }, status: Record<string, unknown> | undefined): Seen {
  const seen: Seen = new Map();
  for (const type of WATCHED) {
    const c = conditionOf(status, type);
    if (c) seen.set(type, `${c.status}\u0000${c.reason}\u0000${c.message}`);
  }
  if (s.kind === 'Subscription' && typeof status?.phase === 'string') seen.set('phase', status.phase);
  return seen;
}

/**
 * Turns status transitions into events: a condition going bad (or changing why
 * it is bad), a condition recovering, a subscription waiting for, getting or
 * losing approval. An object's previous state is what this tracker last saw of
 * it or, the first time (a new leader, a restart), its stored status: so a
 * recompile, a resync or a failover repeats nothing the stored status already
 * says. Stateful but with no I/O.
 */
export class StatusEventTracker {
  private seen = new Map<string, Seen>();

  /** Forget everything, e.g. on losing leadership: the stored statuses are the truth again when it comes back. */
  reset(): void {
    this.seen.clear();
  }

  observe(
    statuses: ObjectStatus[],
    storedOf: (s: ObjectStatus) => Record<string, unknown> | undefined,
    approverOf: (s: ObjectStatus) => string | undefined = () => undefined,
  ): ObjectEvent[] {
    const events: ObjectEvent[] = [];
    const next = new Map<string, Seen>();
    for (const s of statuses) {
      const k = objectKey(s);
      const before = this.seen.get(k) ?? signatures(s, storedOf(s));
      const now = signatures(s, s.status);
      next.set(k, now);
      const emit = (type: ObjectEvent['type'], reason: string, action: string, note: string) =>
        events.push({ kind: s.kind, namespace: s.namespace, name: s.name, type, reason, action, note });

      for (const type of WATCHED) {
        if (before.get(type) === now.get(type)) continue;
        const c = conditionOf(s.status, type)!;
        if (s.kind === 'Subscription' && type === 'Accepted' && PHASE_REASONS.has(c.reason)) continue;
        if (!healthy(type, c)) emit('Warning', c.reason, 'Compile', `${type}: ${c.message}`);
        else if (before.has(type)) {
          // Recovered, if it was bad before (not merely new, or a message change while fine).
          const [status, reason] = before.get(type)!.split('\u0000') as [Condition['status'], Condition['reason']];
          const wasPhase = s.kind === 'Subscription' && type === 'Accepted' && PHASE_REASONS.has(reason);
          if (!wasPhase && !healthy(type, { status, reason })) {
            emit('Normal', type, 'Compile', `${type}: ${c.message}`);
          }
        }
      }

      const phase = now.get('phase');
      const was = before.get('phase');
      if (s.kind === 'Subscription' && phase !== was) {
        const accepted = conditionOf(s.status, 'Accepted');
        if (phase === 'PendingApproval') emit('Normal', 'PendingApproval', 'Subscribe', accepted?.message ?? 'waiting for approval');
        else if (phase === 'Active' && was === 'PendingApproval') {
          const by = approverOf(s);
          emit('Normal', 'Approved', 'Approve', by ? `approved by ${by}` : 'approved');
        } else if (phase === 'Rejected') emit('Warning', 'Rejected', 'Approve', accepted?.message ?? 'rejected');
        else if (phase === 'Revoked') emit('Normal', 'Revoked', 'Revoke', accepted?.message ?? 'revoked');
      }
    }
    this.seen = next;
    return events;
  }
}
