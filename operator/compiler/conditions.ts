/**
 * Conditions the compiler sets, with the stable reasons a machine (Argo CD, a
 * script, a test) can read. `lastTransitionTime` is added by whoever writes the
 * status, from the previous status: the compiler has no clock.
 */
export type ConditionType = 'Accepted' | 'ResolvedRefs' | 'Programmed';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export const Reason = {
  // Accepted
  Accepted: 'Accepted',
  Invalid: 'Invalid',
  Conflict: 'Conflict',
  PartialConflict: 'PartialConflict',
  NotAllowed: 'NotAllowed',
  PendingApproval: 'PendingApproval',
  Rejected: 'Rejected',
  Revoked: 'Revoked',
  // ResolvedRefs
  ResolvedRefs: 'ResolvedRefs',
  RefNotFound: 'RefNotFound',
  RefNotAccepted: 'RefNotAccepted',
  PlanNotFound: 'PlanNotFound',
  // Programmed
  Pending: 'Pending',
  NotAccepted: 'NotAccepted',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: Reason;
  message: string;
  observedGeneration: number;
}

/** Collects one object's findings and turns them into its three conditions. */
export class ConditionSet {
  private accepted: { ok: boolean; reason: Reason; messages: string[] } = { ok: true, reason: Reason.Accepted, messages: [] };
  private refs: { reason: Reason; messages: string[] } | undefined;
  private readonly generation: number;

  constructor(generation: number) {
    this.generation = generation;
  }

  /** The object is refused (or, for `PartialConflict` and the subscription phases, accepted with a caveat). */
  notAccepted(reason: Reason, message: string): void {
    if (this.accepted.ok) this.accepted = { ok: false, reason, messages: [] };
    this.accepted.messages.push(message);
  }

  /** Accepted, but part of it did not take effect. Does not override a refusal. */
  caveat(reason: Reason, message: string): void {
    if (this.accepted.ok) {
      this.accepted.reason = reason;
      this.accepted.messages.push(message);
    }
  }

  acceptedMessage(message: string): void {
    if (this.accepted.ok) this.accepted.messages.push(message);
  }

  unresolved(reason: Reason, message: string): void {
    this.refs ??= { reason, messages: [] };
    this.refs.messages.push(message);
  }

  get isAccepted(): boolean {
    return this.accepted.ok;
  }

  get refsResolved(): boolean {
    return !this.refs;
  }

  /**
   * `refused` says whether the object's intent is missing from the snapshot
   * because of an error (so Programmed is False), as opposed to deliberately
   * inactive (pending approval, revoked), which gateways still have to apply.
   */
  conditions(refused: boolean): Condition[] {
    const g = this.generation;
    const acceptedMessage = this.accepted.messages.join('; ') || 'spec is valid';
    return [
      { type: 'Accepted', status: this.accepted.ok ? 'True' : 'False', reason: this.accepted.reason, message: acceptedMessage, observedGeneration: g },
      this.refs
        ? { type: 'ResolvedRefs', status: 'False', reason: this.refs.reason, message: this.refs.messages.join('; '), observedGeneration: g }
        : { type: 'ResolvedRefs', status: 'True', reason: Reason.ResolvedRefs, message: 'all references resolved', observedGeneration: g },
      refused
        ? { type: 'Programmed', status: 'False', reason: Reason.NotAccepted, message: 'not in the gateway configuration: see Accepted and ResolvedRefs', observedGeneration: g }
        : { type: 'Programmed', status: 'Unknown', reason: Reason.Pending, message: 'waiting for gateways to apply this generation', observedGeneration: g },
    ];
  }
}
