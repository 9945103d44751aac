import type { Kind } from '../resources/types.ts';

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
  /** The referenced API is fine but deliberately not routed yet (lifecycle Created): a wait, not a fault (Argo CD: Suspended). */
  RefNotPublished: 'RefNotPublished',
  PlanNotFound: 'PlanNotFound',
  /** The operator may not read or create Secrets in the namespace (it has not opted in): no keys there. */
  SecretsForbidden: 'SecretsForbidden',
  /** An operation in spec.operations that the API's OpenAPI document does not describe. */
  NotInDocument: 'NotInDocument',
  /** Only in findings: a reference that cannot be checked where the compiler runs (a Secret, outside a cluster). */
  RefNotChecked: 'RefNotChecked',
  // Programmed
  Programmed: 'Programmed',
  Pending: 'Pending',
  NotAccepted: 'NotAccepted',
  /** In the gateway configuration, but what ResolvedRefs names is not (a product's missing API): never True while that lasts. */
  Incomplete: 'Incomplete',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: Reason;
  message: string;
  observedGeneration: number;
}

/** An object (or Secret) a field names, as `namespace/name`. */
export interface FindingRef {
  kind: Kind | 'Secret' | 'ConfigMap';
  id: string;
}

/** What a finding is about, given where it is found rather than read back out of its message. */
export interface FindingSubject {
  /** `spec.operations[0].api`: the condition message is prefixed with it, the finding carries it apart. */
  field?: string;
  /** The object the field names, for a reference that did not resolve (or could not be checked). */
  ref?: FindingRef;
  /** Where the problem is when that is not in the object's own file: a line of its OpenAPI document. */
  location?: FindingLocation;
}

export interface FindingLocation {
  file: string;
  line: number;
  column: number;
}

/** One thing the compiler found about an object, for `tollgate validate` and logs. */
export interface Finding {
  severity: 'error' | 'warning' | 'info';
  reason: Reason;
  field?: string;
  ref?: FindingRef;
  location?: FindingLocation;
  message: string;
}

// Deliberate states, not mistakes: they do not fail `tollgate validate`.
const INFO_REASONS: ReadonlySet<Reason> = new Set([Reason.PendingApproval, Reason.Rejected, Reason.Revoked]);

function finding(reason: Reason, message: string, about: FindingSubject | undefined, severity?: Finding['severity']): Finding {
  return {
    severity: severity ?? (INFO_REASONS.has(reason) ? 'info' : 'error'),
    reason,
    ...(about?.field !== undefined ? { field: about.field } : {}),
    ...(about?.ref ? { ref: about.ref } : {}),
    ...(about?.location ? { location: about.location } : {}),
    message,
  };
}

/** The condition message: the field first, as status readers have always seen it. */
function said(message: string, about: FindingSubject | undefined): string {
  return about?.field !== undefined ? `${about.field}: ${message}` : message;
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** Programmed=False `Incomplete`: what cannot be served, then where the rest stands (`rest`: "waiting for ...", "applied by ..."). */
export function incompleteMessage(rest: string): string {
  return `not all of it is served (see ResolvedRefs); the rest: ${rest}`;
}

interface CleanConditions {
  accepted: Condition;
  resolvedRefs: Condition;
}
// Most objects of an estate say the same two things at one of a few generations: a frozen pair per generation,
// shared by every status, is two objects fewer a status (320,000 in a large estate). Programmed is never shared: the
// status writer sets it in place.
const CLEAN: CleanConditions[] = [];
const SHARED_GENERATIONS = 1024;

function cleanConditions(g: number): CleanConditions {
  const cached = g < SHARED_GENERATIONS ? CLEAN[g] : undefined;
  if (cached) return cached;
  const pair: CleanConditions = {
    accepted: Object.freeze({ type: 'Accepted', status: 'True', reason: Reason.Accepted, message: 'spec is valid', observedGeneration: g }),
    resolvedRefs: Object.freeze({
      type: 'ResolvedRefs',
      status: 'True',
      reason: Reason.ResolvedRefs,
      message: 'all references resolved',
      observedGeneration: g,
    }),
  };
  if (g < SHARED_GENERATIONS) CLEAN[g] = pair;
  return pair;
}

/** Collects one object's findings and turns them into its three conditions. */
export class ConditionSet {
  // Flat fields, lists made on first use: one of these is built per object, 160,000 in a large estate, most with nothing to say.
  private found: Finding[] | undefined;
  private acceptedOk = true;
  private acceptedReason: Reason = Reason.Accepted;
  private acceptedMessages: string[] | undefined;
  private refs: { reason: Reason; messages: string[] } | undefined;
  private readonly generation: number;

  constructor(generation: number) {
    this.generation = generation;
  }

  /** What was found, in the order it was found. */
  get findings(): readonly Finding[] {
    return this.found ?? NO_FINDINGS;
  }

  private add(f: Finding): void {
    (this.found ??= []).push(f);
  }

  /** The object is refused (or, for `PartialConflict` and the subscription phases, accepted with a caveat). */
  notAccepted(reason: Reason, message: string, about?: FindingSubject): void {
    this.add(finding(reason, message, about));
    if (this.acceptedOk) {
      this.acceptedOk = false;
      this.acceptedReason = reason;
      this.acceptedMessages = undefined;
    }
    (this.acceptedMessages ??= []).push(said(message, about));
  }

  /** Accepted, but part of it did not take effect. Does not override a refusal. */
  caveat(reason: Reason, message: string, about?: FindingSubject): void {
    this.add(finding(reason, message, about, 'warning'));
    if (this.acceptedOk) {
      this.acceptedReason = reason;
      (this.acceptedMessages ??= []).push(said(message, about));
    }
  }

  acceptedMessage(message: string): void {
    if (this.acceptedOk) (this.acceptedMessages ??= []).push(message);
  }

  /** Worth telling, but no mistake and no change to the conditions. */
  note(reason: Reason, message: string, about?: FindingSubject): void {
    this.add(finding(reason, message, about, 'info'));
  }

  unresolved(reason: Reason, message: string, about?: FindingSubject): void {
    this.add(finding(reason, message, about));
    this.refs ??= { reason, messages: [] };
    // A fault outranks a deliberate wait: the reason must not read as "waiting" while something is also broken.
    if (this.refs.reason === Reason.RefNotPublished) this.refs.reason = reason;
    this.refs.messages.push(said(message, about));
  }

  get isAccepted(): boolean {
    return this.acceptedOk;
  }

  get refsResolved(): boolean {
    return !this.refs;
  }

  /**
   * `refused` says whether the object's intent is missing from the snapshot
   * because of an error (so Programmed is False), as opposed to deliberately
   * inactive (pending approval, revoked), which gateways still have to apply.
   * An object in the snapshot with a reference that did not resolve is served
   * only in part: Programmed False `Incomplete`, never True.
   */
  conditions(refused: boolean): Condition[] {
    const g = this.generation;
    const waiting = 'waiting for gateways to apply this generation';
    const clean = this.acceptedOk && !this.acceptedMessages && this.acceptedReason === Reason.Accepted;
    return [
      clean
        ? cleanConditions(g).accepted
        : {
            type: 'Accepted',
            status: this.acceptedOk ? 'True' : 'False',
            reason: this.acceptedReason,
            message: this.acceptedMessages?.join('; ') || 'spec is valid',
            observedGeneration: g,
          },
      this.refs
        ? { type: 'ResolvedRefs', status: 'False', reason: this.refs.reason, message: this.refs.messages.join('; '), observedGeneration: g }
        : cleanConditions(g).resolvedRefs,
      refused
        ? {
            type: 'Programmed',
            status: 'False',
            reason: Reason.NotAccepted,
            message: 'not in the gateway configuration: see Accepted and ResolvedRefs',
            observedGeneration: g,
          }
        : this.refs
          ? // Served in part: a reference that does not resolve is left out while the rest keeps working, so Programmed cannot say True.
            { type: 'Programmed', status: 'False', reason: Reason.Incomplete, message: incompleteMessage(waiting), observedGeneration: g }
          : { type: 'Programmed', status: 'Unknown', reason: Reason.Pending, message: waiting, observedGeneration: g },
    ];
  }
}
