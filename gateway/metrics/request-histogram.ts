import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface Value {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A histogram with one label, for the per-request path. prom-client's own Histogram
 * hashes the label object, formats each bucket bound and allocates closures on every
 * observation; this one keeps a child per label value and counts into a typed array.
 * It is registered like any prom-client metric and reports exactly what a prom-client
 * Histogram with the same name, help, label and buckets would (the text and JSON
 * forms, checked in its test), so /metrics does not change.
 */
export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #labelName: string;
  readonly #bounds: readonly number[];
  #series = new Map<string, Series>();

  constructor(config: { name: string; help: string; labelName: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.#labelName = config.labelName;
    this.labelNames = [config.labelName];
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  /** The series for one label value; keep it, and `observe` into it. */
  series(labelValue: string): Series {
    let series = this.#series.get(labelValue);
    if (!series) {
      series = { labels: { [this.#labelName]: labelValue }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(labelValue, series);
    }
    return series;
  }

  observe(series: Series, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  reset(): void {
    this.#series = new Map();
  }

  /** Drops the series of label values not kept (a product deleted from the snapshot); a kept series object stays valid. */
  retain(keep: (labelValue: string) => boolean): void {
    for (const key of [...this.#series.keys()]) if (!keep(key)) this.#series.delete(key);
  }

  /** What prom-client's Histogram.getForPromString returns: bucket labels apart from the series' own. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    const values: Value[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: this.#bounds[i]! }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** What prom-client's Histogram.get returns: each value's labels with the series' own merged in. */
  async get(): Promise<{ name: string; help: string; type: string; values: Array<Omit<Value, 'sharedLabels'>>; aggregator: string }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })),
    };
  }
}
