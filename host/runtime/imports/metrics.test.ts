import { describe, expect, it } from "vitest";
import { MetricType, WasmResult } from "../abi/enums.ts";
import { Probe } from "../../testdata/probe.ts";

describe("metric host functions (through the ABI probe)", () => {
  function define(probe: Probe, type: number, name: string): { status: number; id: number } {
    const [p, l] = probe.put(name);
    const [slot] = probe.slots(1);
    const status = probe.call("proxy_define_metric", probe.host.rootContextId, type, p, l, slot);
    return { status, id: probe.u32(slot) };
  }

  it("counter: define (same id again), increment, record adds, get; negative delta is BadArgument", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const { id } = define(probe, MetricType.Counter, "requests");
    expect(define(probe, MetricType.Counter, "requests").id).toBe(id);
    expect(probe.call("proxy_increment_metric", root, id, 5n)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_record_metric", root, id, 2n)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_increment_metric", root, id, -1n)).toBe(WasmResult.BadArgument);
    const [slot] = probe.slots(1);
    expect(probe.call("proxy_get_metric", root, id, slot)).toBe(WasmResult.Ok);
    expect(probe.u64(slot)).toBe(7n);
    expect(probe.host.getCounterMetric("requests")).toBe(7n);
  });

  it("gauge: record sets, increment moves both ways", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const { id } = define(probe, MetricType.Gauge, "in_flight");
    probe.call("proxy_record_metric", root, id, 10n);
    probe.call("proxy_increment_metric", root, id, -3n);
    expect(probe.host.getGaugeMetric("in_flight")).toBe(7n);
  });

  it("histogram: record keeps samples, increment and get are BadArgument", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const { id } = define(probe, MetricType.Histogram, "latency_ms");
    probe.call("proxy_record_metric", root, id, 12n);
    probe.call("proxy_record_metric", root, id, 30n);
    expect(probe.host.getHistogramMetric("latency_ms")).toEqual([12n, 30n]);
    expect(probe.call("proxy_increment_metric", root, id, 1n)).toBe(WasmResult.BadArgument);
    const [slot] = probe.slots(1);
    expect(probe.call("proxy_get_metric", root, id, slot)).toBe(WasmResult.BadArgument);
  });

  it("unknown ids are NotFound, unknown types BadArgument", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    expect(probe.call("proxy_increment_metric", root, 999, 1n)).toBe(WasmResult.NotFound);
    expect(probe.call("proxy_record_metric", root, 999, 1n)).toBe(WasmResult.NotFound);
    expect(define(probe, 7, "weird").status).toBe(WasmResult.BadArgument);
    expect(() => probe.host.getCounterMetric("never")).toThrow(/no counter named "never"/);
  });
});
