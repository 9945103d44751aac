import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every metric the gateway exports, on its own registry (two gateways in one process
 * must not share counters). Label children are cached: prom-client hashes the label
 * object on every call otherwise, which shows in the hot path.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'tollgate_requests_total',
    help: 'Requests answered, by API, product and status class.',
    labelNames: ['api', 'product', 'status_class'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'tollgate_request_duration_seconds',
    help: 'Time from request to the end of the response, at the gateway.',
    labelNames: ['api'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #upstreamDuration = new Histogram({
    name: 'tollgate_upstream_duration_seconds',
    help: 'Time from sending to the upstream to its response headers.',
    labelNames: ['api'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #authFailures = new Counter({
    name: 'tollgate_auth_failures_total',
    help: 'Requests refused by authentication or authorisation, by error code.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #limitRejections = new Counter({
    name: 'tollgate_limit_rejections_total',
    help: 'Requests refused by quota or spike arrest, or because the quota store was down and the product fails closed.',
    labelNames: ['product', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #limitStoreFailures = new Counter({
    name: 'tollgate_limit_store_failures_total',
    help: 'Limit checks the quota store (Redis) could not answer, by the policy applied (open: let through, closed: refused).',
    labelNames: ['product', 'mode'] as const,
    registers: [this.registry],
  });
  readonly #upstreamErrors = new Counter({
    name: 'tollgate_upstream_errors_total',
    help: 'Failed upstream attempts, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: 'tollgate_token_requests_total',
    help: 'Token endpoint answers: issued, or the OAuth2 error (throttled: refused after too many failed client authentications).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #signingKeys = new Counter({
    name: 'tollgate_signing_key_reloads_total',
    help: 'Signing key rings offered to the gateway, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #ejections = new Counter({
    name: 'tollgate_upstream_ejections_total',
    help: 'Upstream targets taken out of rotation after failing repeatedly.',
    registers: [this.registry],
  });
  readonly #snapshotInfo = new Gauge({
    name: 'tollgate_snapshot_info',
    help: 'The snapshot version being served (value 1).',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  readonly #snapshotApplied = new Gauge({
    name: 'tollgate_snapshot_applied_timestamp_seconds',
    help: 'When the snapshot being served was applied.',
    registers: [this.registry],
  });
  readonly #reloads = new Counter({
    name: 'tollgate_snapshot_reloads_total',
    help: 'Snapshots offered to the gateway, by result (applied, unchanged, refused).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly #requestChildren = new Map<string, Counter.Internal>();
  readonly #durationChildren = new Map<string, Histogram.Internal<'api'>>();
  readonly #upstreamChildren = new Map<string, Histogram.Internal<'api'>>();

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  request(api: string, product: string, status: number, seconds: number, upstreamSeconds: number | undefined): void {
    const statusClass = status >= 100 ? `${Math.floor(status / 100)}xx` : 'none';
    const key = `${api}\n${product}\n${statusClass}`;
    let counter = this.#requestChildren.get(key);
    if (!counter) this.#requestChildren.set(key, (counter = this.#requests.labels(api, product, statusClass)));
    counter.inc();
    let histogram = this.#durationChildren.get(api);
    if (!histogram) this.#durationChildren.set(api, (histogram = this.#duration.labels(api)));
    histogram.observe(seconds);
    if (upstreamSeconds !== undefined) {
      let upstream = this.#upstreamChildren.get(api);
      if (!upstream) this.#upstreamChildren.set(api, (upstream = this.#upstreamDuration.labels(api)));
      upstream.observe(upstreamSeconds);
    }
  }

  authFailure(reason: string): void {
    this.#authFailures.labels(reason).inc();
  }

  limitRejected(product: string, reason: string): void {
    this.#limitRejections.labels(product, reason).inc();
  }

  limitStoreFailed(product: string, mode: 'open' | 'closed'): void {
    this.#limitStoreFailures.labels(product, mode).inc();
  }

  upstreamError(kind: string): void {
    this.#upstreamErrors.labels(kind).inc();
  }

  tokenRequest(result: string): void {
    this.#tokens.labels(result).inc();
  }

  signingKeysOffered(result: 'applied' | 'refused'): void {
    this.#signingKeys.labels(result).inc();
  }

  ejected(): void {
    this.#ejections.inc();
  }

  snapshotApplied(version: string, atMs: number): void {
    this.#snapshotInfo.reset();
    this.#snapshotInfo.labels(version).set(1);
    this.#snapshotApplied.set(atMs / 1000);
    this.#reloads.labels('applied').inc();
  }

  snapshotOffered(result: 'unchanged' | 'refused'): void {
    this.#reloads.labels(result).inc();
  }
}
