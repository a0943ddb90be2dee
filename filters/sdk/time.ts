// Clock and timer: the host's wall clock (Envoy's time source, faked by test harnesses) and the
// root context's tick period.
import { proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds } from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";
import { reportUnexpected } from "./log";

/** Unix time in nanoseconds, from the host (never Date.now: Envoy provides no such import). */
export function getCurrentTimeNanoseconds(): u64 {
  store<u64>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_current_time_nanoseconds(RET_EXTRA);
  if (result != WasmResult.Ok) reportUnexpected("proxy_get_current_time_nanoseconds", result);
  return load<u64>(RET_EXTRA);
}

export function getCurrentTimeMilliseconds(): u64 {
  return getCurrentTimeNanoseconds() / 1_000_000;
}

/**
 * Calls the calling root context's onTick every `periodMs` (0 stops the timer). Call it from a
 * RootContext callback: the timer belongs to the context that is current.
 */
export function setTickPeriodMilliseconds(periodMs: u32): bool {
  const result = <WasmResult>proxy_set_tick_period_milliseconds(periodMs);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_set_tick_period_milliseconds", result);
  return false;
}
