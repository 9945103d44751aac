import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { namespacedId } from '../resources/object-key.ts';

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  leaseDurationMs?: number;
  /**
   * A leader that has not renewed for this long stops leading. Shorter than the
   * lease duration (client-go's default ratio, 10 s of 15 s), so that it stops
   * writing before another candidate may consider the lease expired.
   */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /**
   * This replica's snapshot publisher as the other replicas reach it. Written on
   * the Lease while this replica holds it, so that followers can forward the
   * gateway reports they receive to the leader. Absent: nothing is advertised
   * (and a previous holder's URL is removed when this replica takes over).
   */
  advertiseUrl?: string;
  onChange?: (leading: boolean) => void;
  /** Another replica holding the Lease, or its publisher URL, changed (undefined: this one leads, or nobody does). */
  onLeader?: (leader: LeaderInfo | undefined) => void;
  clock?: () => Date;
}

/** The leader's publisher URL on the Lease. */
export const PUBLISHER_URL_ANNOTATION = 'tollgate.dev/publisher-url';
/**
 * Who wrote that URL. A follower uses the URL only when this is the holder: a
 * holder that does not advertise (an older operator during an upgrade) leaves
 * the previous holder's URL behind, which would point at the wrong replica.
 */
export const PUBLISHER_IDENTITY_ANNOTATION = 'tollgate.dev/publisher-identity';

export interface LeaderInfo {
  identity: string;
  /** Its publisher's URL, when it advertises one. */
  publisherUrl?: string;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection
 * does it: take the lease when it is free or expired, renew it every retry
 * period, and stop leading the moment a renewal fails past the lease duration.
 * Writes use the lease's resourceVersion, so two candidates cannot both win.
 */
export class LeaseElector {
  private readonly api: CoordinationV1Api;
  private readonly o: Required<Omit<LeaseElectorOptions, 'onChange' | 'onLeader' | 'advertiseUrl'>> &
    Pick<LeaseElectorOptions, 'onChange' | 'onLeader' | 'advertiseUrl'>;
  private ticking: Promise<void> | undefined;
  private leading = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private following: LeaderInfo | undefined;

  constructor(kc: KubeConfig, options: LeaseElectorOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    const leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.o = {
      retryPeriodMs: 2_000,
      clock: () => new Date(),
      ...options,
      leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs ?? Math.round((leaseDurationMs * 2) / 3),
    };
    if (this.o.renewDeadlineMs >= leaseDurationMs) throw new Error('renewDeadlineMs must be shorter than leaseDurationMs');
    if (this.o.retryPeriodMs >= this.o.renewDeadlineMs) throw new Error('retryPeriodMs must be shorter than renewDeadlineMs');
  }

  /**
   * Holds the Lease and renewed it within the renew deadline. A process paused
   * past the deadline (a long GC pause, SIGSTOP) does not lead from the moment
   * it runs again, before its next renewal has read who holds the Lease now:
   * what it had queued as leader (a status write waiting on a timer) must not go.
   */
  isLeader(): boolean {
    return this.leading && this.o.clock().getTime() - this.lastRenew <= this.o.renewDeadlineMs;
  }

  /**
   * Another replica holding the Lease, as last read (every retry period);
   * undefined while this one leads or nobody does.
   */
  leader(): LeaderInfo | undefined {
    return this.following;
  }

  start(): void {
    void this.tick();
  }

  /** Gives the lease up on a clean stop, so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A renewal in flight would make the release below lose on resourceVersion.
    await this.ticking;
    if (!this.leading) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
        if (lease.spec?.holderIdentity !== this.o.identity) break;
        delete lease.spec.holderIdentity;
        lease.spec.leaseDurationSeconds = 1;
        // Followers must not forward to a replica that is going away.
        lease.metadata = this.annotated(lease.metadata, false);
        lease.spec.renewTime = microTime(new Date(lease.spec.renewTime ?? this.o.clock()));
        lease.spec.acquireTime = microTime(new Date(lease.spec.acquireTime ?? this.o.clock()));
        await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
        break;
      } catch (e) {
        if ((e as { code?: number }).code === 409) continue;
        // Best effort: the lease expires by itself.
        this.o.logger.warn({ err: String((e as Error).message ?? e) }, 'cannot release the lease; it expires by itself');
        break;
      }
    }
    this.setLeading(false);
  }

  private follow(leader: LeaderInfo | undefined): void {
    const before = this.following;
    this.following = leader;
    if (leader?.identity === before?.identity && leader?.publisherUrl === before?.publisherUrl) return;
    if (leader) this.o.logger.info({ leader: leader.identity, publisherUrl: leader.publisherUrl }, 'following');
    this.o.onLeader?.(leader);
  }

  /** The Lease's metadata with this replica's publisher URL on it, or with none. */
  private annotated(meta: V1ObjectMeta | undefined, advertise: boolean): V1ObjectMeta {
    const annotations = { ...meta?.annotations };
    delete annotations[PUBLISHER_URL_ANNOTATION];
    delete annotations[PUBLISHER_IDENTITY_ANNOTATION];
    if (advertise && this.o.advertiseUrl) {
      annotations[PUBLISHER_URL_ANNOTATION] = this.o.advertiseUrl;
      annotations[PUBLISHER_IDENTITY_ANNOTATION] = this.o.identity;
    }
    return { ...meta, annotations };
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.o.logger.info({ identity: this.o.identity, lease: namespacedId(this.o.namespace, this.o.name) }, leading ? 'became leader' : 'stopped leading');
    this.o.onChange?.(leading);
  }

  private tick(): Promise<void> {
    this.ticking = this.renew();
    return this.ticking;
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    // Paused past the deadline: the lead is lost, whatever this attempt finds. Should
    // it win the Lease back, leading starts afresh (and what was dropped is redone).
    if (this.leading && this.o.clock().getTime() - this.lastRenew > this.o.renewDeadlineMs) this.setLeading(false);
    try {
      // A request a partition swallowed would otherwise hold this loop until the
      // HTTP client gives up, if it ever does. Given up here, it may still land
      // later: harmless, as every Lease write is guarded by its resourceVersion.
      await withTimeout(this.tryAcquireOrRenew(), this.o.renewDeadlineMs);
    } catch (e) {
      this.o.logger.warn({ err: String((e as Error).message ?? e) }, 'lease update failed');
    }
    if (this.leading && this.o.clock().getTime() - this.lastRenew > this.o.renewDeadlineMs) this.setLeading(false);
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.o.retryPeriodMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock();
    const micro = microTime(now);
    const spec = { holderIdentity: this.o.identity, leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000), renewTime: micro };
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await this.api.createNamespacedLease({
        namespace: this.o.namespace,
        body: {
          metadata: this.annotated({ name: this.o.name, namespace: this.o.namespace }, true),
          spec: { ...spec, acquireTime: micro, leaseTransitions: 0 },
        },
      });
      this.follow(undefined);
      // Before setLeading: its listeners ask isLeader().
      this.lastRenew = this.o.clock().getTime();
      this.setLeading(true);
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
    if (holder && holder !== this.o.identity && !expired) {
      const annotations = lease.metadata?.annotations ?? {};
      const url = annotations[PUBLISHER_IDENTITY_ANNOTATION] === holder ? annotations[PUBLISHER_URL_ANNOTATION] : undefined;
      // Not leading first: a replica that just lost the lead forwards to the new leader.
      this.setLeading(false);
      this.follow({ identity: holder, ...(url ? { publisherUrl: url } : {}) });
      return false;
    }
    // Free, expired or ours: nobody else to follow, whether or not the write below wins.
    this.follow(undefined);
    const takeover = holder !== this.o.identity;
    // The same update as the renewal: advertising costs no extra write.
    lease.metadata = this.annotated(lease.metadata, true);
    lease.spec = {
      ...lease.spec,
      ...spec,
      // Times read back may be Dates again, which the client would send with three digits.
      acquireTime: takeover ? micro : microTime(new Date(lease.spec?.acquireTime ?? now)),
      ...(takeover ? { leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch (e) {
      if ((e as { code?: number }).code === 409) return false; // someone else wrote first
      throw e;
    }
    this.lastRenew = this.o.clock().getTime();
    this.setLeading(true);
    return true;
  }
}

/**
 * A MicroTime as the API server parses it (six fractional digits). The client
 * library would send a Date with three, which the server refuses; it passes a
 * string through untouched.
 */
function microTime(d: Date): Date {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
