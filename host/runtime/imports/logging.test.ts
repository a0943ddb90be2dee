import { describe, expect, it } from "vitest";
import { LogLevel, WasmResult } from "../abi/enums.ts";
import { FakeClock } from "../clock.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("logging, clock and timer host functions (through the ABI probe)", () => {
  it("proxy_log records by level with the context id; level > 5 is BadArgument; below the log level is dropped", () => {
    const probe = new Probe(probeOptions().withLogLevel("info"));
    const id = probe.host.initializeHttpContext();
    const [p, l] = probe.put("hello");
    expect(probe.call("proxy_log", id, LogLevel.Warn, p, l)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_log", id, LogLevel.Debug, p, l)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_log", id, 6, p, l)).toBe(WasmResult.BadArgument);
    expect(probe.host.getLogs("warn")).toEqual(["hello"]);
    expect(probe.host.getLogs("debug")).toEqual([]);
    expect(probe.host.getLogEntries().at(-1)).toEqual({ level: LogLevel.Warn, message: "hello", contextId: id });
    expect(probe.call("proxy_log", id, LogLevel.Info, 0x7fff_fff0, 10)).toBe(WasmResult.InvalidMemoryAccess);
  });

  it("proxy_get_log_level returns the configured level", () => {
    const probe = new Probe(probeOptions().withLogLevel(LogLevel.Error));
    const [slot] = probe.slots(1);
    expect(probe.call("proxy_get_log_level", probe.host.rootContextId, slot)).toBe(WasmResult.Ok);
    expect(probe.u32(slot)).toBe(LogLevel.Error);
  });

  it("proxy_get_current_time_nanoseconds reads the injected clock as a u64", () => {
    const clock = new FakeClock(Date.UTC(2025, 5, 1));
    const probe = new Probe(probeOptions().withClock(clock));
    const [slot] = probe.slots(1);
    clock.advance(1.5);
    expect(probe.call("proxy_get_current_time_nanoseconds", probe.host.rootContextId, slot)).toBe(WasmResult.Ok);
    expect(probe.u64(slot)).toBe(BigInt(Date.UTC(2025, 5, 1)) * 1_000_000n + 1_500_000n);
  });

  it("proxy_set_tick_period_milliseconds drives proxy_on_tick on the fake clock, 0 disables", () => {
    const probe = new Probe(probeOptions().withPluginConfiguration("tick=100"));
    expect(probe.host.getTickPeriod()).toBe(100);
    expect(probe.host.advanceTime(99)).toBe(0);
    expect(probe.host.advanceTime(1)).toBe(1);
    expect(probe.host.advanceTime(1000)).toBe(10);
    expect(probe.host.getCounterMetric("probe_ticks")).toBe(11n);
    probe.host.tick();
    expect(probe.host.getCounterMetric("probe_ticks")).toBe(12n);
    expect(probe.call("proxy_set_tick_period_milliseconds", probe.host.rootContextId, 0)).toBe(WasmResult.Ok);
    expect(probe.host.advanceTime(1000)).toBe(0);
  });

  it("a stream context's tick period belongs to its root", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.call("proxy_set_tick_period_milliseconds", id, 50);
    expect(probe.host.getTickPeriod()).toBe(50);
  });
});
