import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { objectKey } from '../resources/object-key.ts';
import type { Resources } from '../resources/types.ts';
import { EventRecorder } from '../status/event-recorder.ts';
import { StatusEventTracker, type ObjectEvent } from '../status/status-events.ts';
import { byKey, uidsOf } from './inputs-digest.ts';
import type { OperatorMetrics } from './operator-metrics.ts';

export interface ObjectEventsOptions {
  /** Kubernetes Events at all (default on). */
  enabled: boolean;
  identity: string;
  isLeader: () => boolean;
  logger: Logger;
  metrics: Pick<OperatorMetrics, 'events'>;
  clock: () => Date;
  /** A condition gone bad is told once it has stayed bad this long (default 2 s): see StatusEventTracker. */
  settleMs?: number;
}

/** The Kubernetes Events users must notice: what changed in a status, what happened to a credential. */
export class ObjectEvents {
  private readonly recorder: EventRecorder | undefined;
  private readonly statuses: StatusEventTracker;
  private readonly o: ObjectEventsOptions;
  // Events carry the object's uid, which `kubectl describe` selects on.
  private uids = new Map<string, string>();
  // The last statuses observed, looked at again when a condition gone bad has lasted long enough to be told.
  private last: { statuses: ObjectStatus[]; resources: Resources } | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(kc: KubeConfig, o: ObjectEventsOptions) {
    this.o = o;
    this.statuses = new StatusEventTracker({ settleMs: o.settleMs ?? 2_000 });
    this.recorder = o.enabled
      ? new EventRecorder(kc, {
          instance: o.identity,
          logger: o.logger,
          isLeader: o.isLeader,
          uidOf: (e) => this.uids.get(objectKey(e)),
          onResult: (e, result) => o.metrics.events.inc({ type: e.type, result }),
        })
      : undefined;
  }

  /** The objects a reconcile read: whose uids its events name. */
  observeObjects(resources: Resources): void {
    if (this.recorder) this.uids = uidsOf(resources);
  }

  emit(e: ObjectEvent): void {
    this.recorder?.record(e);
  }

  /** Events for the statuses that changed against what is stored. */
  observeStatuses(statuses: ObjectStatus[], resources: Resources): void {
    if (!this.recorder) return;
    this.last = { statuses, resources };
    const stored = byKey(resources);
    const storedOf = (s: ObjectStatus) => stored.get(objectKey(s))?.status as Record<string, unknown> | undefined;
    const approverOf = (s: ObjectStatus) => (stored.get(objectKey(s))?.spec as { approval?: { by?: string } } | undefined)?.approval?.by;
    const now = this.o.clock().getTime();
    for (const e of this.statuses.observe(statuses, { storedOf, approverOf, now })) this.emit(e);
    this.recheckAt(this.statuses.due(), now);
  }

  // No recompile may come by when a bad condition has lasted long enough: look again then.
  private recheckAt(due: number | undefined, now: number): void {
    this.cancelRecheck();
    if (due === undefined) return;
    this.settle = setTimeout(() => {
      if (this.last && this.o.isLeader()) this.observeStatuses(this.last.statuses, this.last.resources);
    }, due - now).unref();
  }

  private cancelRecheck(): void {
    clearTimeout(this.settle);
    this.settle = undefined;
  }

  /** Back in the lead, the stored statuses say what users were already told. */
  reset(): void {
    this.cancelRecheck();
    this.last = undefined;
    this.statuses.reset();
  }

  /** Sends what is queued; nothing waiting to settle is told after this. */
  flush(): Promise<void> {
    this.cancelRecheck();
    return this.recorder?.flush() ?? Promise.resolve();
  }
}
