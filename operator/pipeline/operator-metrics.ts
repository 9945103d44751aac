import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../../gateway/metrics/process-metrics.ts';

/** Every series the operator exports on its admin port's /metrics. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly watchUp = new Gauge({
    name: 'tollgate_operator_watch_up',
    help: 'Whether each watch is up (1) or restarting (0)',
    labelNames: ['watch'],
    registers: [this.registry],
  });
  readonly compiles = new Histogram({
    name: 'tollgate_operator_compile_seconds',
    help: 'Time to compile the resources',
    registers: [this.registry],
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
  });
  readonly statusWrites = new Counter({
    name: 'tollgate_operator_status_writes_total',
    help: 'Status writes by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly secretWrites = new Counter({
    name: 'tollgate_operator_secret_writes_total',
    help: 'Credential Secrets created or deleted',
    labelNames: ['action'],
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'tollgate_operator_events_total',
    help: 'Kubernetes Events by type and result',
    labelNames: ['type', 'result'],
    registers: [this.registry],
  });
  readonly forwards = new Counter({
    name: 'tollgate_operator_report_forwards_total',
    help: 'Gateway reports a follower passed on to the leader, by result (sent, failed, no_leader)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  /** Node's process and runtime metrics (CPU, memory, event loop, GC) beside the operator's own; off for tests that make many. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectProcessMetrics(this.registry);
  }

  /** The snapshot version this replica publishes, read at scrape time: gateways serving another one are behind. */
  trackPublished(current: () => string | undefined): void {
    new Gauge({
      name: 'tollgate_operator_snapshot_info',
      help: 'The snapshot version this replica publishes to gateways (value 1).',
      labelNames: ['version'],
      registers: [this.registry],
      collect() {
        this.reset();
        const version = current();
        if (version) this.labels(version).set(1);
      },
    });
  }

  /** Once the elector (and the publisher, whose version is shown too) exists. */
  trackLeader(isLeader: () => boolean, published?: () => string | undefined): void {
    if (published) this.trackPublished(published);
    // Read at scrape time: a replica paused past its renew deadline stops leading
    // before its next renewal says so (LeaseElector.isLeader).
    new Gauge({
      name: 'tollgate_operator_leader',
      help: '1 while this replica leads',
      registers: [this.registry],
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
  }
}
