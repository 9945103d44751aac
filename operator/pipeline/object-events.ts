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
}

/** The Kubernetes Events users must notice: what changed in a status, what happened to a credential. */
export class ObjectEvents {
  private readonly recorder: EventRecorder | undefined;
  private readonly statuses = new StatusEventTracker();
  // Events carry the object's uid, which `kubectl describe` selects on.
  private uids = new Map<string, string>();

  constructor(kc: KubeConfig, o: ObjectEventsOptions) {
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
    const stored = byKey(resources);
    const storedOf = (s: ObjectStatus) => stored.get(objectKey(s))?.status as Record<string, unknown> | undefined;
    const approverOf = (s: ObjectStatus) => (stored.get(objectKey(s))?.spec as { approval?: { by?: string } } | undefined)?.approval?.by;
    for (const e of this.statuses.observe(statuses, storedOf, approverOf)) this.emit(e);
  }

  /** Back in the lead, the stored statuses say what users were already told. */
  reset(): void {
    this.statuses.reset();
  }

  flush(): Promise<void> {
    return this.recorder?.flush() ?? Promise.resolve();
  }
}
