import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's gauges that end in `_total`, which `promtool check metrics` refuses (a
 * `_total` suffix promises a counter); each is the sum of a per-type gauge it also exports
 * (`nodejs_active_handles{type}` and so on), so nothing is lost without them.
 */
const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Node's process and runtime metrics (CPU, memory, event loop, GC, handles) on `registry`, named as Prometheus expects. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}
