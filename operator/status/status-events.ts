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

interface Tracked {
  /** What users were told, or what the stored status says: events are changes against it. */
  told: Seen;
  /** Conditions gone bad and not told yet, since when. */
  bad: Map<string, number>;
}

export interface ObserveInput {
  /** The object's status as stored: what users were told before this tracker saw it. */
  storedOf: (s: ObjectStatus) => Record<string, unknown> | undefined;
  approverOf?: (s: ObjectStatus) => string | undefined;
  /** Milliseconds (the operator's clock). */
  now: number;
}

/**
 * Turns status transitions into events: a condition going bad (or changing why
 * it is bad), a condition recovering, a subscription waiting for, getting or
 * losing approval. An object's previous state is what this tracker last told of
 * it or, the first time (a new leader, a restart), its stored status: so a
 * recompile, a resync or a failover repeats nothing the stored status already
 * says. A condition gone bad is told only once it has stayed bad for `settleMs`:
 * the operator watches each kind on its own stream, so a product can arrive
 * before the API applied just before it, and that passing RefNotFound (and its
 * recovery) is nothing a user must notice. Stateful but with no I/O.
 */
export class StatusEventTracker {
  private tracked = new Map<string, Tracked>();
  private readonly settleMs: number;

  constructor(options: { settleMs?: number } = {}) {
    this.settleMs = options.settleMs ?? 0;
  }

  /** Forget everything, e.g. on losing leadership: the stored statuses are the truth again when it comes back. */
  reset(): void {
    this.tracked.clear();
  }

  /** When a condition now bad but not told yet will have lasted `settleMs`: observe again then. */
  due(): number | undefined {
    let first: number | undefined;
    for (const t of this.tracked.values()) for (const since of t.bad.values()) first = Math.min(first ?? Infinity, since + this.settleMs);
    return first;
  }

  observe(statuses: ObjectStatus[], input: ObserveInput): ObjectEvent[] {
    const events: ObjectEvent[] = [];
    const next = new Map<string, Tracked>();
    for (const s of statuses) {
      const k = objectKey(s);
      const t = this.tracked.get(k) ?? { told: signatures(s, input.storedOf(s)), bad: new Map() };
      next.set(k, t);
      const now = signatures(s, s.status);
      const emit = (type: ObjectEvent['type'], reason: string, action: string, note: string) =>
        events.push({ kind: s.kind, namespace: s.namespace, name: s.name, type, reason, action, note });

      for (const type of WATCHED) {
        const signature = now.get(type);
        const c = conditionOf(s.status, type);
        if (signature === t.told.get(type) || !signature || !c) {
          t.bad.delete(type);
          continue;
        }
        const was = t.told.get(type);
        if (s.kind === 'Subscription' && type === 'Accepted' && PHASE_REASONS.has(c.reason)) {
          t.told.set(type, signature);
          t.bad.delete(type);
          continue;
        }
        if (!healthy(type, c)) {
          const since = t.bad.get(type) ?? input.now;
          t.bad.set(type, since);
          if (input.now - since < this.settleMs) continue;
          t.bad.delete(type);
          t.told.set(type, signature);
          emit('Warning', c.reason, 'Compile', `${type}: ${c.message}`);
          continue;
        }
        t.bad.delete(type);
        t.told.set(type, signature);
        if (was === undefined) continue;
        // Recovered, if it was told bad before (not merely new, or a message change while fine).
        const [status, reason] = was.split('\u0000') as [Condition['status'], Condition['reason']];
        const wasPhase = s.kind === 'Subscription' && type === 'Accepted' && PHASE_REASONS.has(reason);
        if (!wasPhase && !healthy(type, { status, reason })) emit('Normal', type, 'Compile', `${type}: ${c.message}`);
      }

      const phase = now.get('phase');
      const was = t.told.get('phase');
      if (s.kind === 'Subscription' && phase !== was) {
        if (phase === undefined) t.told.delete('phase');
        else t.told.set('phase', phase);
        const accepted = conditionOf(s.status, 'Accepted');
        if (phase === 'PendingApproval') emit('Normal', 'PendingApproval', 'Subscribe', accepted?.message ?? 'waiting for approval');
        else if (phase === 'Active' && was === 'PendingApproval') {
          const by = input.approverOf?.(s);
          emit('Normal', 'Approved', 'Approve', by ? `approved by ${by}` : 'approved');
        } else if (phase === 'Rejected') emit('Warning', 'Rejected', 'Approve', accepted?.message ?? 'rejected');
        else if (phase === 'Revoked') emit('Normal', 'Revoked', 'Revoke', accepted?.message ?? 'revoked');
      }
    }
    this.tracked = next;
    return events;
  }
}
