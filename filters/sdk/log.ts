// Logging through the proxy (proxy_log / proxy_get_log_level, ABI 0.2.1). Envoy writes these
// to its own log under the `wasm` logger, prefixed with the plugin name.
import { proxy_get_log_level, proxy_log } from "./imports";
import { LogLevel, WasmResult, wasmResultName } from "./enums";
import { RET_EXTRA } from "./memory";

export function log(level: LogLevel, message: string): void {
  const bytes = String.UTF8.encode(message);
  // proxy_log only fails for a level > 5, which LogLevel cannot express.
  proxy_log(<u32>level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

export function logTrace(message: string): void { log(LogLevel.Trace, message); }
export function logDebug(message: string): void { log(LogLevel.Debug, message); }
export function logInfo(message: string): void { log(LogLevel.Info, message); }
export function logWarn(message: string): void { log(LogLevel.Warn, message); }
export function logError(message: string): void { log(LogLevel.Error, message); }
export function logCritical(message: string): void { log(LogLevel.Critical, message); }

/**
 * The proxy's current log level (ABI 0.2.1 only), so a filter can skip building expensive
 * debug messages. Falls back to Trace (log everything) if the host does not answer.
 */
export function getLogLevel(): LogLevel {
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_log_level(RET_EXTRA);
  if (result != WasmResult.Ok) {
    reportUnexpected("proxy_get_log_level", result);
    return LogLevel.Trace;
  }
  return <LogLevel>load<u32>(RET_EXTRA);
}

/**
 * The SDK's answer to a host status it did not expect (the Rust SDK panics instead): a loud
 * error line naming the host function and the status. Callers then fall back to a neutral value.
 */
export function reportUnexpected(hostFunction: string, result: WasmResult): void {
  log(LogLevel.Error, "proxy-wasm sdk: " + hostFunction + " returned unexpected status " + wasmResultName(result));
}
