import type { GatewayReport } from './gateway-report.ts';

export interface ReportBookListeners {
  /** Called whenever a replica's report changes. */
  onReport?: (report: GatewayReport) => void;
  /** Called with every report a gateway sent this publisher itself, changed or not; never with a forwarded one. */
  onReceived?: (report: GatewayReport) => void;
}

/** The latest report of each gateway replica, in the order each was first heard from. */
export class ReportBook {
  private readonly reports = new Map<string, GatewayReport>();
  private readonly listeners: ReportBookListeners;

  constructor(listeners: ReportBookListeners) {
    this.listeners = listeners;
  }

  get(replica: string): GatewayReport | undefined {
    return this.reports.get(replica);
  }

  list(): GatewayReport[] {
    return [...this.reports.values()];
  }

  /** A report straight from a gateway: received now. */
  record(report: Omit<GatewayReport, 'at'>): void {
    const next: GatewayReport = { ...report, at: new Date().toISOString() };
    this.store(next);
    this.listeners.onReceived?.(next);
  }

  // A report another operator replica received: dated when that replica received
  // it, so a gateway polling a follower every 30 s stays live here. With `ageMs`
  // (how long ago, by the follower's clock) the date is taken on this clock, and
  // skew between the replicas' clocks does not count; without it, the follower's
  // `at` is used. An older one than what this publisher already has (the gateway
  // has since reached it directly, or a late batch) changes nothing; one dated in
  // the future counts as received now, or it would keep the gateway live too long.
  recordForwarded(report: GatewayReport, ageMs: number | undefined): void {
    const now = Date.now();
    const at = Math.min(ageMs === undefined ? Date.parse(report.at) : now - ageMs, now);
    const previous = this.reports.get(report.replica);
    if (previous && Date.parse(previous.at) > at) return;
    this.store({ ...report, at: new Date(at).toISOString() });
  }

  private store(next: GatewayReport): void {
    const previous = this.reports.get(next.replica);
    this.reports.set(next.replica, next);
    if (!previous || previous.applied !== next.applied || previous.rejected !== next.rejected) this.listeners.onReport?.(next);
  }
}
