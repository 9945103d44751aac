import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.ts';
import { RequestHistogram } from './request-histogram.ts';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const VALUES = [0, 0.0004, 0.001, 0.0011, 0.003, 0.0999, 0.1, 0.7, 2.5, 29.9, 30, 31, 1e6, 0.017];

function both() {
  const ours = new Registry();
  const theirs = new Registry();
  const config = { name: 'x_duration_seconds', help: 'A "help" with \\ and\nnewline.', buckets: BUCKETS };
  const fast = new RequestHistogram({ ...config, labelName: 'api', registers: [ours] });
  const reference = new Histogram({ ...config, labelNames: ['api'], registers: [theirs] });
  return { ours, theirs, fast, reference };
}

describe('RequestHistogram', () => {
  it('reports what a prom-client Histogram with the same observations reports, as text and as JSON', async () => {
    const { ours, theirs, fast, reference } = both();
    const apis = ['ns/a', 'ns/"quoted"\\api', 'ns/b'];
    VALUES.forEach((v, i) => {
      const api = apis[i % apis.length]!;
      fast.observe(fast.series(api), v);
      reference.labels(api).observe(v);
    });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    expect(await ours.getSingleMetricAsString('x_duration_seconds')).toBe(await theirs.getSingleMetricAsString('x_duration_seconds'));
  });

  it('is empty like a fresh prom-client Histogram, and again after a reset', async () => {
    const { ours, theirs, fast, reference } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    fast.observe(fast.series('a'), 1);
    reference.labels('a').observe(1);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a value that is not a number, like prom-client', () => {
    const { fast } = both();
    expect(() => fast.observe(fast.series('a'), Number.NaN)).toThrow(TypeError);
  });
});

describe('GatewayMetrics request counts', () => {
  it('show every request at the next scrape, by API, product and status class', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    for (let i = 0; i < 5; i++) metrics.request('ns/a', 'ns/gold', 200, 0.002, 0.001);
    metrics.request('ns/a', 'ns/gold', 503, 0.05, undefined);
    metrics.request('ns/a', '', 0, 0.001, undefined);
    const text = await metrics.registry.getSingleMetricAsString('tollgate_requests_total');
    expect(text).toContain('tollgate_requests_total{api="ns/a",product="ns/gold",status_class="2xx"} 5');
    expect(text).toContain('tollgate_requests_total{api="ns/a",product="ns/gold",status_class="5xx"} 1');
    expect(text).toContain('tollgate_requests_total{api="ns/a",product="",status_class="none"} 1');
    metrics.request('ns/a', 'ns/gold', 204, 0.002, 0.001);
    expect(await metrics.registry.getSingleMetricAsString('tollgate_requests_total')).toContain('status_class="2xx"} 6');
    // Percentiles per product, a mean per API: no per-API histogram.
    const duration = await metrics.registry.getSingleMetricAsString('tollgate_request_duration_seconds');
    expect(duration).toContain('tollgate_request_duration_seconds_count{product="ns/gold"} 7');
    expect(duration).toContain('tollgate_request_duration_seconds_bucket{le="0.0025",product="ns/gold"} 6');
    expect(duration).toContain('tollgate_request_duration_seconds_count{product=""} 1');
    const perApi = await metrics.registry.getSingleMetricAsString('tollgate_api_request_duration_seconds');
    expect(perApi).toContain('# TYPE tollgate_api_request_duration_seconds summary');
    expect(perApi).toContain('tollgate_api_request_duration_seconds_count{api="ns/a"} 8');
    expect(perApi).not.toContain('bucket');
    const upstream = await metrics.registry.getSingleMetricAsString('tollgate_upstream_duration_seconds');
    expect(upstream).toContain('tollgate_upstream_duration_seconds_count{product="ns/gold"} 6');
  });
});

describe('GatewayMetrics series of deleted APIs and products', () => {
  it('are dropped when a snapshot without them is applied; the rest keep counting', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.request('ns/a', 'ns/gold', 200, 0.002, 0.001);
    metrics.request('ns/b', 'ns/silver', 200, 0.002, 0.001);
    // A product gone from an API that stays.
    metrics.request('ns/a', 'ns/silver', 429, 0.002, undefined);
    metrics.request('tollgate/token-service', '', 200, 0.002, undefined);
    metrics.limitRejected('ns/silver', 'quota');
    metrics.limitStoreFailed('ns/silver', 'open');
    metrics.limitRejected('ns/gold', 'rateLimit');
    metrics.retain(new Set(['ns/a']), new Set(['ns/gold']));
    metrics.request('ns/a', 'ns/gold', 200, 0.002, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('ns/b');
    expect(text).not.toContain('ns/silver');
    expect(text).toContain('tollgate_requests_total{api="ns/a",product="ns/gold",status_class="2xx"} 2');
    expect(text).toContain('tollgate_api_request_duration_seconds_count{api="ns/a"} 3');
    expect(text).toContain('tollgate_api_request_duration_seconds_count{api="tollgate/token-service"} 1');
    expect(text).toContain('tollgate_request_duration_seconds_count{product="ns/gold"} 2');
    expect(text).toContain('tollgate_limit_rejections_total{product="ns/gold",reason="rateLimit"} 1');
  });
});
