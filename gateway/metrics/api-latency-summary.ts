import type { Registry } from 'prom-client';

interface Entry {
  labels: Record<string, string>;
  sum: number;
  count: number;
}

/**
 * Mean latency per API as a Prometheus summary with no quantiles: `_sum` and `_count`,
 * two series per API where a histogram costs one per bucket. The percentiles live in
 * the per-product histogram; this keeps a per-API view at a tenth of the series.
 */
export class ApiLatencySummary {
  readonly type = 'summary';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #labelName: string;
  #entries = new Map<string, Entry>();

  constructor(config: { name: string; help: string; labelName: string; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.#labelName = config.labelName;
    this.labelNames = [config.labelName];
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  observe(labelValue: string, value: number): void {
    let entry = this.#entries.get(labelValue);
    if (!entry) this.#entries.set(labelValue, (entry = { labels: { [this.#labelName]: labelValue }, sum: 0, count: 0 }));
    entry.sum += value;
    entry.count += 1;
  }

  /** Drops the series of label values not kept (an API deleted from the snapshot). */
  retain(keep: (labelValue: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) if (!keep(key)) this.#entries.delete(key);
  }

  reset(): void {
    this.#entries = new Map();
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Array<{ labels: Record<string, string>; value: number; metricName: string }>;
    aggregator: string;
  }> {
    const values = [];
    for (const entry of this.#entries.values()) {
      values.push({ labels: entry.labels, value: entry.sum, metricName: `${this.name}_sum` });
      values.push({ labels: entry.labels, value: entry.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
