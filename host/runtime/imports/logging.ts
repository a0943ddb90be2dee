// Logging, clock and timer host functions (docs/proxy-wasm-abi.md: proxy_log, proxy_get_log_level,
// proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds). The tick period
// belongs to the root context of the effective context (cpp-host setTimerPeriod on root).
import { LogLevel, WasmResult } from "../abi/enums.ts";
import { rootOf } from "../contexts.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

export function loggingImports(host: ImportHost) {
  return guarded({
    proxy_log(level: number, messagePtr: number, messageLen: number): number {
      if (level < 0 || level > LogLevel.Critical) return WasmResult.BadArgument;
      // A message below the log level is not even decoded (filters log per request at debug);
      // errors always are, so a failure report can quote the module's last error.
      if (level < host.logLevel && level < LogLevel.Error) {
        host.memory.checkRange(messagePtr, messageLen, "log message");
        return WasmResult.Ok;
      }
      host.log(level, host.memory.string(messagePtr, messageLen, "log message"));
      return WasmResult.Ok;
    },

    proxy_get_log_level(retLevel: number): number {
      host.memory.writeU32(retLevel, host.logLevel);
      return WasmResult.Ok;
    },

    proxy_get_current_time_nanoseconds(retTime: number): number {
      host.memory.writeU64(retTime, host.clock.unixNanos());
      return WasmResult.Ok;
    },

    proxy_set_tick_period_milliseconds(periodMs: number): number {
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      const root = rootOf(context);
      root.tickPeriodMs = periodMs >>> 0;
      root.nextTickAtMs = Number(host.clock.monotonicNanos() / 1_000_000n) + root.tickPeriodMs;
      return WasmResult.Ok;
    },
  });
}
