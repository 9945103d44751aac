import type { Logger } from 'pino';
import type { Token } from '../../gateway/sources/token.ts';
import type { LeaderInfo, LeaseElector } from '../leader/lease-elector.ts';
import { createReportForwarder, type ReportForwarder } from '../publish/report-forwarder.ts';
import type { GatewayReport, SnapshotPublisher } from '../publish/snapshot-publisher.ts';
import type { OperatorMetrics } from './operator-metrics.ts';
import type { Signal } from './signal.ts';

export interface ReportForwardingOptions {
  identity: string;
  token?: Token;
  logger: Logger;
  metrics: Pick<OperatorMetrics, 'forwards'>;
  elector: Pick<LeaseElector, 'isLeader' | 'leader'>;
  publisher: Pick<SnapshotPublisher, 'reports'>;
  /** Reports straight from a gateway, never forwarded ones: those stop here. */
  received: Signal<GatewayReport>;
  leaderKnown: Signal<LeaderInfo | undefined>;
}

/** A follower passes the reports its gateways send on to the leader, so that Programmed counts every gateway. */
export function startReportForwarding(o: ReportForwardingOptions): ReportForwarder {
  const forwarder = createReportForwarder({
    identity: o.identity,
    leaderUrl: () => (o.elector.isLeader() ? undefined : o.elector.leader()?.publisherUrl),
    ...(o.token ? { token: o.token } : {}),
    logger: o.logger,
    onResult: (result, n) => o.metrics.forwards.inc({ result }, n),
  });
  const forward = (report: GatewayReport): void => {
    if (!o.elector.isLeader()) forwarder.offer(report);
  };
  o.received.on(forward);
  // A leader newly known (this replica just started, or the lead moved): it hears
  // at once of every gateway polling here, not only at each one's next poll (up
  // to `wait` seconds later). Reports that were forwarded here are left to the
  // replica that received them, which does the same.
  o.leaderKnown.on((leader) => {
    if (leader?.publisherUrl) for (const r of o.publisher.reports()) if (!r.via) forward(r);
  });
  return forwarder;
}
