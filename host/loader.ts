// Compiling and checking a module before any instance exists (docs/proxy-wasm-abi.md "Versions",
// "Callbacks the module exports"): the ABI version comes from the exported marker `proxy_abi_version_X_Y_Z` (none =
// rejected, as cpp-host does); the allocator is `malloc` if exported (cpp-host prefers it),
// else `proxy_on_memory_allocate`; the import list is checked when the VM is instantiated
// (imports/index.ts) so a missing import is reported by name, not as a LinkError.
import { readFileSync } from "node:fs";
import { ABI_MARKERS, type AbiVersion } from "./abi/enums.ts";
import { importedMemoryLimits, type MemoryLimits } from "./abi/memory-import.ts";
import { WasmSourceMap } from "./source-map.ts";

export class ModuleLoadError extends Error {
  constructor(readonly origin: string, message: string, options?: { cause?: unknown }) {
    super(`${origin}: ${message}`, options);
    this.name = "ModuleLoadError";
  }
}

export interface CompiledProxyWasm {
  /** Where the bytes came from (file path or a label), used in messages. */
  origin: string;
  module: WebAssembly.Module;
  abiVersion: AbiVersion;
  allocator: "malloc" | "proxy_on_memory_allocate";
  exports: ReadonlySet<string>;
  sourceMap?: WasmSourceMap;
  /** Limits of `env.memory` when the module imports its memory (rare; Emscripten options). */
  importedMemory?: MemoryLimits;
  /** Byte size of the module (reported by benchmarks). */
  size: number;
}

export function compileProxyWasm(bytes: Uint8Array, origin = "module", sourceMap?: WasmSourceMap): CompiledProxyWasm {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new ModuleLoadError(origin, `not a valid WebAssembly module: ${(error as Error).message}`, { cause: error });
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const marker = ABI_MARKERS.find(([name]) => exports.has(name));
  if (!marker) {
    throw new ModuleLoadError(origin, `no proxy-wasm ABI marker export (expected one of ${ABI_MARKERS.map(([n]) => n).join(", ")})`);
  }
  const allocator = exports.has("malloc") ? "malloc" : exports.has("proxy_on_memory_allocate") ? "proxy_on_memory_allocate" : undefined;
  if (!allocator) throw new ModuleLoadError(origin, "exports neither malloc nor proxy_on_memory_allocate, so the host cannot hand it data");
  const hasMemory = WebAssembly.Module.exports(module).some((e) => e.name === "memory" && e.kind === "memory") ||
    WebAssembly.Module.imports(module).some((e) => e.kind === "memory");
  if (!hasMemory) throw new ModuleLoadError(origin, "neither exports nor imports a memory");
  const importsMemory = WebAssembly.Module.imports(module).some((e) => e.kind === "memory");
  const importedMemory = importsMemory ? importedMemoryLimits(bytes) : undefined;
  return { origin, module, abiVersion: marker[1], allocator, exports, sourceMap, importedMemory, size: bytes.length };
}

/** Reads `path` and its `.map` (asc --sourceMap) if present. */
export function loadProxyWasmFile(path: string): CompiledProxyWasm {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ModuleLoadError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return compileProxyWasm(bytes, path, WasmSourceMap.forWasmFile(path));
}
