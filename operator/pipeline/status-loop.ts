import type { Logger } from 'pino';
import type { ObjectStatus } from '../compiler/object-status.ts';
import type { GatewayReport } from '../publish/snapshot-publisher.ts';
import { objectKey } from '../resources/object-key.ts';
import type { Resources } from '../resources/types.ts';
import type { ProgrammedTracker } from '../status/programmed.ts';
import type { StatusWriter } from '../status/status-writer.ts';
import { attachUsage } from '../status/subscription-usage.ts';
import type { UsageSource } from './ledger-usage.ts';
import type { GatewayWait } from './gateway-wait.ts';
import { byKey } from './inputs-digest.ts';
import type { OperatorMetrics } from './operator-metrics.ts';

export interface StatusJob {
  version: string;
  statuses: ObjectStatus[];
  now: Date;
}

export interface StatusLoopOptions {
  isLeader: () => boolean;
  tracker: ProgrammedTracker;
  writer: Pick<StatusWriter, 'write'>;
  reports: () => GatewayReport[];
  /** The objects as stored now, statuses included. */
  stored: () => Resources;
  wait: GatewayWait;
  /** How long to wait for gateways to apply a new snapshot before writing. */
  waitMs: number;
  staleMs: number;
  clock: () => Date;
  metrics: Pick<OperatorMetrics, 'statusWrites'>;
  logger: Logger;
  /** Subscriptions' calls in their quota windows, put in status.usage on each pass; none without a ledger. */
  usage?: UsageSource;
}

/**
 * The leader's status writes, beside the reconciles rather than inside them: a
 * burst's thousands of writes must not hold up the next recompile, which creates
 * the next Secrets and publishes the next snapshot. Only the newest set waits.
 */
export class StatusLoop {
  private draining: Promise<void> | undefined;
  private next: StatusJob | undefined;
  private last: StatusJob | undefined;
  private closed = false;

  private readonly o: StatusLoopOptions;

  constructor(o: StatusLoopOptions) {
    this.o = o;
  }

  submit(job: StatusJob): void {
    this.last = job;
    this.next = job;
    this.draining ??= this.drain();
  }

  /** The last set again, against what is stored and reported now (an echo of a write, a gateway's report). */
  rewrite(): void {
    if (this.last && this.o.isLeader()) this.submit(this.last);
  }

  /** Resolves once no set is waiting or being written. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    // Never done in the turn it starts in: `draining` is assigned after this returns, so a finally run before that would leave it set for good.
    await Promise.resolve();
    try {
      while (this.next && !this.closed) {
        const job = this.next;
        this.next = undefined;
        if (!this.o.isLeader()) continue;
        try {
          await this.write(job);
        } catch (e) {
          this.o.logger.error({ err: String((e as Error).stack ?? e) }, 'status writes failed');
        }
      }
    } finally {
      // In the same turn as the loop's last check: a set queued after it starts a new drain.
      this.draining = undefined;
    }
  }

  /** A ledger that cannot be read keeps each stored usage as it was, rather than erasing it. */
  private async putUsage(usage: UsageSource, statuses: ObjectStatus[], stored: ReturnType<typeof byKey>): Promise<void> {
    try {
      const storedUsage = (id: string) => (stored.get(`Subscription/${id}`)?.status as { usage?: unknown } | undefined)?.usage;
      attachUsage(statuses, await usage(this.o.clock()), storedUsage);
    } catch (e) {
      this.o.logger.warn({ err: String((e as Error).message ?? e) }, 'usage ledger unreadable: Subscription status.usage kept as it was');
      for (const s of statuses) {
        const was = s.kind === 'Subscription' ? (stored.get(objectKey(s))?.status as { usage?: unknown } | undefined)?.usage : undefined;
        if (was) s.status.usage = was;
        else delete s.status.usage;
      }
    }
  }

  private async write({ version, statuses, now }: StatusJob): Promise<void> {
    const o = this.o;
    await o.wait.until(version, o.waitMs);
    // Again: the lead may have been lost during the wait (or a pause of this process).
    if (!o.isLeader()) return;
    o.tracker.apply(statuses, o.reports(), o.clock(), o.staleMs);
    // What is stored now: later reconciles may have run since this set was computed.
    const stored = byKey(o.stored());
    if (o.usage) await this.putUsage(o.usage, statuses, stored);
    const report = await o.writer.write(statuses, (s) => stored.get(objectKey(s))?.status, now);
    o.metrics.statusWrites.inc({ result: 'written' }, report.written);
    o.metrics.statusWrites.inc({ result: 'failed' }, report.failed.length);
    if (report.failed.length) o.logger.warn({ failed: report.failed.slice(0, 10) }, 'status writes failed');
  }
}
