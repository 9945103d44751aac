import { EventsV1Api, V1MicroTime, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, VERSION } from '../kube/kinds.ts';
import { objectKey } from '../resources/object-key.ts';
import type { ObjectEvent } from './status-events.ts';

export interface EventRecorderOptions {
  /** events.k8s.io/v1 `reportingInstance`: this replica. */
  instance: string;
  logger: Logger;
  /** Checked again right before sending: a replica that lost the lease meanwhile stays quiet. */
  isLeader: () => boolean;
  /** The object's uid, so that `kubectl describe` (which selects on it) shows the event. */
  uidOf?: (e: ObjectEvent) => string | undefined;
  onResult?: (e: ObjectEvent, result: 'sent' | 'failed' | 'dropped' | 'duplicate') => void;
  /** The same event about the same object is not sent again within this window. */
  dedupeMs?: number;
  /** Events beyond this many waiting are dropped (a burst must not grow memory without bound). */
  maxQueue?: number;
  concurrency?: number;
  clock?: () => Date;
  /** For tests: stands in for the API server. */
  api?: Pick<EventsV1Api, 'createNamespacedEvent'>;
}

export const REPORTING_CONTROLLER = 'tollgate.dev/operator';

/**
 * Sends events.k8s.io/v1 Events in the background, so that a burst of them
 * never holds up a recompile; like client-go's recorder it drops rather than
 * queue without bound, and suppresses repeats of an identical event.
 */
export class EventRecorder {
  private readonly api: Pick<EventsV1Api, 'createNamespacedEvent'>;
  private readonly o: EventRecorderOptions;
  private readonly queue: ObjectEvent[] = [];
  private readonly recent = new Map<string, number>();
  private workers = 0;
  private idle: Array<() => void> = [];
  private seq = 0;

  constructor(kc: KubeConfig, options: EventRecorderOptions) {
    this.api = options.api ?? kc.makeApiClient(EventsV1Api);
    this.o = options;
  }

  record(e: ObjectEvent): void {
    const now = this.now();
    const id = `${objectKey(e)}\u0000${e.type}\u0000${e.reason}\u0000${e.note}`;
    const dedupeMs = this.o.dedupeMs ?? 10 * 60_000;
    const last = this.recent.get(id);
    if (last !== undefined && now - last < dedupeMs) return this.o.onResult?.(e, 'duplicate');
    if (this.queue.length >= (this.o.maxQueue ?? 5_000)) return this.o.onResult?.(e, 'dropped');
    this.recent.set(id, now);
    if (this.recent.size > 10_000) for (const [k, t] of this.recent) if (now - t >= dedupeMs) this.recent.delete(k);
    this.queue.push(e);
    // One more worker per event at most: a worker that finds the queue empty ends
    // synchronously, so a loop here would never stop.
    if (this.workers < (this.o.concurrency ?? 2)) {
      this.workers++;
      void this.work();
    }
  }

  /** Resolves once everything queued has been sent (or given up on). */
  flush(): Promise<void> {
    if (this.workers === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private now(): number {
    return (this.o.clock?.() ?? new Date()).getTime();
  }

  private async work(): Promise<void> {
    for (let e = this.queue.shift(); e; e = this.queue.shift()) {
      if (!this.o.isLeader()) {
        this.o.onResult?.(e, 'dropped');
        continue;
      }
      try {
        await this.api.createNamespacedEvent({ namespace: e.namespace, body: this.body(e) });
        this.o.onResult?.(e, 'sent');
      } catch (err) {
        this.o.onResult?.(e, 'failed');
        this.o.logger.warn({ event: `${objectKey(e)} ${e.reason}`, err: String((err as Error).message ?? err).slice(0, 300) }, 'cannot record event');
      }
    }
    this.workers--;
    if (this.workers === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private body(e: ObjectEvent): EventsV1Event {
    const now = new Date(this.now());
    // client-go names events <object>.<hex nanoseconds>; the counter keeps two in one millisecond apart.
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
    const uid = this.o.uidOf?.(e);
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${e.name.slice(0, 253 - suffix.length - 1)}.${suffix}`, namespace: e.namespace },
      // V1MicroTime serialises with the six fractional digits the API server requires.
      eventTime: new V1MicroTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.o.instance.slice(0, 128),
      action: e.action,
      reason: e.reason,
      type: e.type,
      note: truncateBytes(e.note, 1024),
      regarding: { apiVersion: `${GROUP}/${VERSION}`, kind: e.kind, namespace: e.namespace, name: e.name, ...(uid ? { uid } : {}) },
    };
  }
}

/** The API server limits `note` to 1 kB, in bytes. */
function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = s.slice(0, max - 3);
  while (Buffer.byteLength(out) > max - 3) out = out.slice(0, -1);
  return `${out}...`;
}
