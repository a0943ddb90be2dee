// What happens when a module misbehaves (Envoy's PluginConfig.failure_policy in
// envoy/extensions/wasm/v3/wasm.proto): a trap, a callback running past its time budget, or
// memory grown beyond the cap becomes a VmFailure naming the callback, the reason and — when the module has
// a source map — the AssemblyScript file:line. The VM is marked failed; the plugin applies its
// failure policy (plugin.ts: fail closed 503, fail open skips the filter, fail reload rebuilds
// after a backoff). The process never crashes.
import { ProcExitError } from "./imports/wasi.ts";
import { firstWasmFrame, type SourceLocation, type WasmSourceMap } from "./source-map.ts";

export type FailureKind = "trap" | "timeout" | "memory" | "exit" | "start";

/** Envoy PluginConfig.failure_policy: FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD (plugin.ts). */
export type FailurePolicy = "fail-closed" | "fail-open" | "fail-reload";

export class VmFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly callback: string,
    readonly reason: string,
    readonly location?: SourceLocation,
    /** Last error/critical log line the module wrote during the callback (e.g. an abort message). */
    readonly lastModuleError?: string,
    options?: { cause?: unknown },
  ) {
    const where = location ? ` at ${location.source}:${location.line}:${location.column}` : "";
    const said = lastModuleError ? ` (module logged: ${lastModuleError})` : "";
    super(`proxy-wasm ${callback}: ${kind}: ${reason}${where}${said}`, options);
    this.name = "VmFailure";
  }
}

/** Classifies an exception thrown out of a wasm callback. */
export function describeCallbackError(
  error: unknown,
  callback: string,
  sourceMap: WasmSourceMap | undefined,
  lastModuleError: string | undefined,
): VmFailure {
  if (error instanceof VmFailure) return error;
  const stack = error instanceof Error ? error.stack ?? String(error) : String(error);
  const location = sourceMap?.locateStack(stack);
  if (error instanceof ProcExitError) return new VmFailure("exit", callback, error.message, location, lastModuleError, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /memory|allocation/i.test(message)) {
    return new VmFailure("memory", callback, message, location, lastModuleError, { cause: error });
  }
  const frame = location ? "" : firstWasmFrame(stack);
  const reason = frame ? `${message} in ${frame}` : message;
  return new VmFailure("trap", callback, reason, location, lastModuleError, { cause: error });
}
