// Metrics (proxy_define_metric / increment / record / get). Envoy exposes them as stats named
// as defined (prefix your names, e.g. "attache_template_rejected"). Define them once, in
// onConfigure or onVmStart, and keep the objects: defining is a host call and a map lookup.
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "./imports";
import { MetricType, WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";
import { reportUnexpected } from "./log";

function defineMetric(metricType: MetricType, name: string): u32 {
  const bytes = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_define_metric(<u32>metricType, changetype<usize>(bytes), bytes.byteLength, RET_EXTRA);
  if (result != WasmResult.Ok) reportUnexpected("proxy_define_metric(" + name + ")", result);
  return load<u32>(RET_EXTRA);
}

function readMetric(id: u32): u64 {
  store<u64>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_metric(id, RET_EXTRA);
  if (result != WasmResult.Ok) reportUnexpected("proxy_get_metric", result);
  return load<u64>(RET_EXTRA);
}

function incrementMetric(id: u32, delta: i64): void {
  const result = <WasmResult>proxy_increment_metric(id, delta);
  if (result != WasmResult.Ok) reportUnexpected("proxy_increment_metric", result);
}

function recordMetric(id: u32, value: u64): void {
  const result = <WasmResult>proxy_record_metric(id, value);
  if (result != WasmResult.Ok) reportUnexpected("proxy_record_metric", result);
}

/** A monotonically increasing count. */
export class Counter {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = defineMetric(MetricType.Counter, name); }
  increment(delta: u64 = 1): void { incrementMetric(this.id, <i64>delta); }
  get(): u64 { return readMetric(this.id); }
}

/** A value that goes up and down. */
export class Gauge {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = defineMetric(MetricType.Gauge, name); }
  increment(delta: i64 = 1): void { incrementMetric(this.id, delta); }
  decrement(delta: i64 = 1): void { incrementMetric(this.id, -delta); }
  set(value: u64): void { recordMetric(this.id, value); }
  get(): u64 { return readMetric(this.id); }
}

/** A distribution of recorded values (latencies, sizes). */
export class Histogram {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = defineMetric(MetricType.Histogram, name); }
  record(value: u64): void { recordMetric(this.id, value); }
}
