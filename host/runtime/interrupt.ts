// Stopping a module that never returns without leaving the calling thread. A wasm loop cannot
// be interrupted from JavaScript on the same thread, and a thread hop per callback costs tens
// of µs, so the module is rewritten at load instead, the way wasmtime's epoch interruption
// works: Binaryen's `log-execution` pass puts a call to an imported `env.log_execution` at
// every function entry and loop header. That import is a tiny wasm function (FUEL_MODULE: a
// wasm-to-wasm call, no JS boundary) that counts down a fuel global and, once every FUEL
// steps, calls the host's check, which fails the callback when it has run past its limit
// (vm.ts `runawayMs`). A runaway loop thus traps as VmFailure "timeout" within a few
// milliseconds of its limit; a normal callback pays a decrement and a branch per loop turn.
// Envoy has no such limit (a stuck module stalls an Envoy worker); the local data plane sets
// one so `attache dev` survives a bad module.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompiledProxyWasm } from "./loader.ts";
import { compileProxyWasm, type CompileOptions } from "./loader.ts";
import type { WasmSourceMap } from "./source-map.ts";

/** The import the instrumentation adds (Binaryen's LogExecution pass). */
export const INTERRUPT_IMPORT = "log_execution";

/**
 * The step counter, as wasm binary (65536 steps between checks):
 *   (module (import "host" "check" (func $check)) (global $fuel (mut i32) (i32.const 65536))
 *     (func (export "step") (param i32)
 *       (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))
 *       (if (i32.eqz (global.get $fuel)) (then (global.set $fuel (i32.const 65536)) (call $check)))))
 */
const FUEL_MODULE = Uint8Array.of(
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 2, 96, 0, 0, 96, 1, 127, 0, 2, 14, 1, 4, 104, 111, 115, 116, 5, 99, 104, 101, 99, 107, 0, 0, 3, 2, 1, 1,
  6, 8, 1, 127, 1, 65, 128, 128, 4, 11, 7, 8, 1, 4, 115, 116, 101, 112, 0, 1, 10, 25, 1, 23, 0, 35, 0, 65, 1, 107, 36, 0, 35, 0, 69, 4, 64,
  65, 128, 128, 4, 36, 0, 16, 0, 11, 11,
);

let fuelModule: WebAssembly.Module | undefined;

type Binaryen = typeof import("binaryen");

/**
 * Binaryen initializes with a top-level await, which a module loaded as CommonJS (the data
 * plane's worker threads run TypeScript that way) cannot require; an import() the transpiler
 * leaves alone loads it as ES module from any context.
 */
const nativeImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Binaryen>;

function importBinaryen(): Promise<Binaryen> {
  return import("binaryen").catch(() => nativeImport(pathToFileURL(createRequire(join(process.cwd(), "noop.js")).resolve("binaryen")).href));
}

/**
 * `bytes` with a check at every function entry and loop header (see above). Binaryen is
 * loaded only here (it is large and initializes asynchronously), so hosts that never
 * instrument never load it.
 */
export async function instrumentForInterrupts(bytes: Uint8Array): Promise<Uint8Array> {
  const { default: binaryen } = await importBinaryen();
  const module = binaryen.readBinary(bytes);
  try {
    module.runPasses(["log-execution"]);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** Compiles `bytes` (checked as given) to run instrumented, so a VM's runawayMs can stop it. */
export async function compileInterruptible(bytes: Uint8Array, origin: string, sourceMap?: WasmSourceMap, options: CompileOptions = {}): Promise<CompiledProxyWasm> {
  return compileProxyWasm(bytes, origin, sourceMap, { ...options, instrumented: await instrumentForInterrupts(bytes) });
}

/** The `env.log_execution` an instrumented module imports: counts steps, calls `check` every 65536. */
export function interruptImport(check: () => void): WebAssembly.ImportValue {
  fuelModule ??= new WebAssembly.Module(FUEL_MODULE);
  const instance = new WebAssembly.Instance(fuelModule, { host: { check } });
  return instance.exports.step as WebAssembly.ImportValue;
}
