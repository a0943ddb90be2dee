// Metrics defined by modules through proxy_define_metric (docs/proxy-wasm-abi.md: define/increment/record/
// get_metric; Envoy context.cc defineMetric/incrementMetric/recordMetric/getMetric):
// counters only go up, gauges are set or moved by a delta, histograms record samples and
// cannot be read back. Defining the same (type, name) again returns the same id, so several
// VM instances sharing one store see one value, as Envoy's stats scope does.
import { MetricType } from "./abi/enums.ts";

export type MetricKind = "counter" | "gauge" | "histogram";
const KINDS: Record<number, MetricKind> = { [MetricType.Counter]: "counter", [MetricType.Gauge]: "gauge", [MetricType.Histogram]: "histogram" };

export interface Metric {
  id: number;
  kind: MetricKind;
  name: string;
  value: bigint;
  samples: bigint[];
}

export type MetricResult = "ok" | "not-found" | "bad-argument";

export class MetricsStore {
  /** Indexed by id (ids count from 1): an array read, where a Map hashed the id on every increment. */
  private readonly byId: Array<Metric | undefined> = [undefined];
  private readonly byName = new Map<string, Metric>();
  private nextId = 1;

  define(type: number, name: string): number | undefined {
    const kind = KINDS[type];
    if (!kind) return undefined;
    const key = `${kind}\0${name}`;
    const existing = this.byName.get(key);
    if (existing) return existing.id;
    const metric: Metric = { id: this.nextId++, kind, name, value: 0n, samples: [] };
    this.byId.push(metric);
    this.byName.set(key, metric);
    return metric.id;
  }

  increment(id: number, delta: bigint): MetricResult {
    const metric = this.byId[id];
    if (!metric) return "not-found";
    if (metric.kind === "histogram") return "bad-argument";
    if (metric.kind === "counter" && delta < 0n) return "bad-argument";
    metric.value += delta;
    return "ok";
  }

  record(id: number, value: bigint): MetricResult {
    const metric = this.byId[id];
    if (!metric) return "not-found";
    if (metric.kind === "histogram") metric.samples.push(value);
    else if (metric.kind === "gauge") metric.value = value;
    else if (value < 0n) return "bad-argument";
    else metric.value += value;
    return "ok";
  }

  get(id: number): bigint | MetricResult {
    const metric = this.byId[id];
    if (!metric) return "not-found";
    if (metric.kind === "histogram") return "bad-argument";
    return metric.value;
  }

  find(kind: MetricKind, name: string): Metric | undefined {
    return this.byName.get(`${kind}\0${name}`);
  }

  all(): Metric[] {
    return [...this.byName.values()];
  }
}
