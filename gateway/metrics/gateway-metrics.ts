import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ApiLatencySummary } from './api-latency-summary.ts';
import { collectProcessMetrics } from './process-metrics.ts';
import { RequestHistogram } from './request-histogram.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'];

interface RequestCount {
  child: Counter.Internal;
  pending: number;
}

/**
 * Cardinality: no application or credential label anywhere (those are the usage ledger's).
 * Latency percentiles are per product (a histogram of 14 buckets), and per API there is
 * only a mean (a summary's `_sum` and `_count`): at 10,000 APIs that is 20,000 series
 * where two per-API histograms made 340,000. Series of APIs and products a new snapshot
 * no longer has are dropped when it is applied.
 *
 * Every metric the gateway exports, on its own registry (two gateways in one process
 * must not share counters). The per-request metrics stay off prom-client's hot path
 * (it hashes the label object on every call): request counts are kept here and handed
 * over when prom-client collects, and the latency histograms are RequestHistograms.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  // Counted here per request and handed to prom-client when it collects (a scrape):
  // its own inc() hashes the label object on every call. Keyed API, then product, then
  // status class: the snapshot's id strings and the class constants hash once, where one
  // joined key would be a fresh string to hash and compare per request.
  readonly #requestCounts = new Map<string, Map<string, Map<string, RequestCount>>>();
  readonly #requests = new Counter({
    name: 'tollgate_requests_total',
    help: 'Requests answered, by API, product and status class.',
    labelNames: ['api', 'product', 'status_class'] as const,
    registers: [this.registry],
    collect: () => {
      for (const byProduct of this.#requestCounts.values()) {
        for (const byClass of byProduct.values()) {
          for (const entry of byClass.values()) {
            if (entry.pending === 0) continue;
            entry.child.inc(entry.pending);
            entry.pending = 0;
          }
        }
      }
    },
  });
  readonly #duration = new RequestHistogram({
    name: 'tollgate_request_duration_seconds',
    help: 'Time from request to the end of the response, at the gateway, by product.',
    labelName: 'product',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #upstreamDuration = new RequestHistogram({
    name: 'tollgate_upstream_duration_seconds',
    help: 'Time from sending to the upstream to its response headers, by product.',
    labelName: 'product',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #apiDuration = new ApiLatencySummary({
    name: 'tollgate_api_request_duration_seconds',
    help: 'Time from request to the end of the response, by API (sum and count: the mean; percentiles are per product).',
    labelName: 'api',
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
    help: 'Limit checks the quota store (Redis) could not answer, by the policy applied (open: admitted without a count, closed: refused).',
    labelNames: ['product', 'mode'] as const,
    registers: [this.registry],
  });
  /** The (product, reason or mode) label pairs of the two per-product limit counters, to drop a deleted product's. */
  readonly #productSeries = new Set<string>();
  readonly #limitStoreIncidents = new Counter({
    name: 'tollgate_limit_store_incidents_total',
    help: 'Outages of the quota store: runs of checks it could not answer, each ended by one it answered.',
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

  readonly #usageFlushes = new Counter({
    name: 'tollgate_usage_flushes_total',
    help: 'Writes of usage rows to the usage store, by result (a failed one is retried at the next flush).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #usageFlushSeconds = new Histogram({
    name: 'tollgate_usage_flush_duration_seconds',
    help: 'How long a write of usage rows to the usage store took.',
    buckets: [0.005, 0.025, 0.1, 0.5, 2.5, 10],
    registers: [this.registry],
  });
  readonly #usageRequests = new Counter({
    name: 'tollgate_usage_flushed_requests_total',
    help: 'Requests the usage store has confirmed from this replica.',
    registers: [this.registry],
  });
  readonly #usageBuffered = new Gauge({
    name: 'tollgate_usage_buffered_cells',
    help: 'Usage rows (minute x key) held in memory: being counted, or waiting for the store.',
    registers: [this.registry],
  });
  readonly #usageDropped = new Counter({
    name: 'tollgate_usage_dropped_requests_total',
    help: 'Requests whose usage was dropped unwritten because the store stayed down past the buffer bound.',
    registers: [this.registry],
  });
  readonly #usageLastFlush = new Gauge({
    name: 'tollgate_usage_last_flush_timestamp_seconds',
    help: 'When the usage store last took a write from this replica.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectProcessMetrics(this.registry);
    // Zero from the start, so that rates and alerts have a series before the first failure.
    for (const result of ['ok', 'failed']) this.#usageFlushes.labels(result).inc(0);
  }

  request(api: string, product: string, status: number, seconds: number, upstreamSeconds: number | undefined): void {
    const statusClass = status >= 100 && status < 1000 ? STATUS_CLASSES[Math.floor(status / 100)]! : status >= 100 ? `${Math.floor(status / 100)}xx` : 'none';
    let byProduct = this.#requestCounts.get(api);
    if (!byProduct) this.#requestCounts.set(api, (byProduct = new Map()));
    let byClass = byProduct.get(product);
    if (!byClass) byProduct.set(product, (byClass = new Map()));
    let count = byClass.get(statusClass);
    if (!count) byClass.set(statusClass, (count = { child: this.#requests.labels(api, product, statusClass), pending: 0 }));
    count.pending += 1;
    this.#duration.observe(this.#duration.series(product), seconds);
    this.#apiDuration.observe(api, seconds);
    if (upstreamSeconds !== undefined) this.#upstreamDuration.observe(this.#upstreamDuration.series(product), upstreamSeconds);
  }

  /** A new snapshot: series of APIs and products it no longer has go (the token service and unmatched requests stay). */
  retain(apis: ReadonlySet<string>, products: ReadonlySet<string>): void {
    const keepApi = (api: string) => api === '' || api.startsWith('tollgate/') || apis.has(api);
    const keepProduct = (product: string) => product === '' || products.has(product);
    for (const [api, byProduct] of this.#requestCounts) {
      for (const [product, byClass] of byProduct) {
        if (keepApi(api) && keepProduct(product)) continue;
        for (const statusClass of byClass.keys()) this.#requests.remove(api, product, statusClass);
        byProduct.delete(product);
      }
      if (byProduct.size === 0) this.#requestCounts.delete(api);
    }
    for (const key of [...this.#productSeries]) {
      const [product = '', second = ''] = key.split('\n');
      if (keepProduct(product)) continue;
      this.#productSeries.delete(key);
      // Each key is a (product, reason) of one counter or a (product, mode) of the other; removing an absent one is a no-op.
      this.#limitRejections.remove(product, second);
      this.#limitStoreFailures.remove(product, second);
    }
    this.#apiDuration.retain(keepApi);
    this.#duration.retain(keepProduct);
    this.#upstreamDuration.retain(keepProduct);
  }

  usageFlushed(result: 'ok' | 'failed', seconds: number, requests: number, atMs: number): void {
    this.#usageFlushes.labels(result).inc();
    this.#usageFlushSeconds.observe(seconds);
    if (result === 'ok') {
      this.#usageRequests.inc(requests);
      this.#usageLastFlush.set(atMs / 1000);
    }
  }

  usageBuffered(cells: number): void {
    this.#usageBuffered.set(cells);
  }

  usageDropped(requests: number): void {
    this.#usageDropped.inc(requests);
  }

  authFailure(reason: string): void {
    this.#authFailures.labels(reason).inc();
  }

  limitRejected(product: string, reason: string): void {
    this.#productSeries.add(`${product}\n${reason}`);
    this.#limitRejections.labels(product, reason).inc();
  }

  limitStoreFailed(product: string, mode: 'open' | 'closed'): void {
    this.#productSeries.add(`${product}\n${mode}`);
    this.#limitStoreFailures.labels(product, mode).inc();
  }

  limitStoreIncident(): void {
    this.#limitStoreIncidents.inc();
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
