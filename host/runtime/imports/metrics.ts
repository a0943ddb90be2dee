// Metric host functions (docs/proxy-wasm-abi.md: proxy_define_metric, proxy_increment_metric,
// proxy_record_metric, proxy_get_metric; delta/value are i64, get writes a u64).
import { WasmResult } from "../abi/enums.ts";
import type { MetricResult } from "../metrics.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

function status(result: MetricResult): number {
  return result === "ok" ? WasmResult.Ok : result === "not-found" ? WasmResult.NotFound : WasmResult.BadArgument;
}

export function metricImports(host: ImportHost) {
  return guarded({
    proxy_define_metric(type: number, namePtr: number, nameLen: number, retId: number): number {
      const name = host.memory.key(namePtr, nameLen, "metric name");
      host.memory.checkSlots(retId);
      const id = host.metrics.define(type, name);
      if (id === undefined) return WasmResult.BadArgument;
      host.memory.writeU32(retId, id);
      return WasmResult.Ok;
    },

    proxy_increment_metric(id: number, delta: bigint): number {
      return status(host.metrics.increment(id >>> 0, BigInt(delta)));
    },

    proxy_record_metric(id: number, value: bigint): number {
      // The ABI passes u64 in an i64 slot; records are never negative.
      return status(host.metrics.record(id >>> 0, BigInt.asUintN(64, BigInt(value))));
    },

    proxy_get_metric(id: number, retValue: number): number {
      host.memory.checkSlots(retValue);
      const value = host.metrics.get(id >>> 0);
      if (typeof value !== "bigint") return status(value);
      host.memory.writeU64(retValue, value);
      return WasmResult.Ok;
    },
  });
}
