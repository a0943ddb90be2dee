// Compiling and checking a module before any instance exists (docs/proxy-wasm-abi.md
// "Versions", "Callbacks the module exports"): the ABI version comes from the exported marker
// `proxy_abi_version_X_Y_Z` (none = rejected, as cpp-host does); the allocator is `malloc` if exported (cpp-host prefers it),
// else `proxy_on_memory_allocate`. Then the checks Envoy makes when it links a module
// (cpp-host wasm.cc registerCallbacks/getFunctions, v8.cc link): every `env` import must be a
// function registered for the module's ABI version, with exactly its type, and every callback
// export it calls must have exactly the type it is called with. WASI imports are checked by
// type when this host serves them; Envoy 1.40 links any other WASI function (checked by
// test/conformance/loading.test.ts), so those get a stub answering ENOSYS. Memory is capped as V8 is under Envoy (--wasm_max_mem_pages, 1 GiB):
// a module declaring more initial memory is refused, and its maximum is lowered to the cap so
// memory.grow past it fails inside the module.
import { readFileSync } from "node:fs";
import { ABI_MARKERS, type AbiVersion } from "./abi/enums.ts";
import type { MemoryLimits } from "./abi/module-shape.ts";
import { readModuleShape, withMemoryMaximum, type ModuleShape } from "./abi/module-shape.ts";
import { allEnvFunctions, callbackExportsFor, envFunctionsFor, formatSignature, WASI_FUNCTIONS, type Signature } from "./abi/signatures.ts";
import { WasmSourceMap } from "./source-map.ts";

/** V8's cap on a module's linear memory in Envoy: 1 GiB (cpp-host PROXY_WASM_HOST_MAX_WASM_MEMORY_SIZE_BYTES). */
export const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;
const PAGE = 65536;

export interface CompileOptions {
  /** Linear memory cap (default MAX_MEMORY_BYTES, Envoy's). */
  maxMemoryBytes?: number;
  /**
   * Accept any `env` function the host implements whatever the ABI version. Only for the ABI
   * probe (host/testdata), which imports every host function of every version to test them.
   */
  anyAbiImports?: boolean;
  /**
   * The module rewritten for runaway interrupts (interrupt.ts compileInterruptible): checked as
   * `bytes`, run as this. Its code has other byte offsets, so a source map no longer applies and
   * is dropped (failures name wasm functions instead of source lines).
   */
  instrumented?: Uint8Array;
}

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
  /** Rewritten for runaway interrupts (CompileOptions.instrumented). */
  interruptible: boolean;
}

const sameSignature = (a: Signature | undefined, b: Signature) => !!a && a.params === b.params && a.results === b.results;

/** Every reason Envoy would refuse to link this module, one line each (empty: it links). */
function linkProblems(shape: ModuleShape, abi: AbiVersion, options: CompileOptions): string[] {
  const problems: string[] = [];
  const env = options.anyAbiImports ? allEnvFunctions() : envFunctionsFor(abi);
  const known = allEnvFunctions();
  for (const entry of shape.imports) {
    const where = `${entry.module}.${entry.name}`;
    if (entry.kind === "memory" && entry.module === "env" && entry.name === "memory") continue;
    const isWasi = entry.module === "wasi_snapshot_preview1" || entry.module === "wasi_unstable";
    if (isWasi && entry.kind === "function" && !WASI_FUNCTIONS[entry.name]) continue;
    const expected = entry.kind !== "function" ? undefined : entry.module === "env" ? env[entry.name] : isWasi ? WASI_FUNCTIONS[entry.name] : undefined;
    if (!expected) {
      const other = entry.module === "env" && known[entry.name] ? ` (not registered for ABI ${abi})` : "";
      problems.push(`imports ${where}${entry.kind === "function" ? "" : ` (${entry.kind})`}, which this proxy-wasm host does not provide${other}`);
    } else if (!sameSignature(entry.signature, expected)) {
      problems.push(`imports ${where} as ${entry.signature ? formatSignature(entry.signature) : "?"}, but the host function is ${formatSignature(expected)}`);
    }
  }
  const callbacks = callbackExportsFor(abi);
  for (const [name, expected] of Object.entries(callbacks)) {
    const actual = shape.exports.get(name);
    if (actual && !sameSignature(actual, expected)) {
      problems.push(`exports ${name} as ${formatSignature(actual)}, but the host calls it as ${formatSignature(expected)}`);
    }
  }
  return problems;
}

export function compileProxyWasm(bytes: Uint8Array, origin = "module", sourceMap?: WasmSourceMap, options: CompileOptions = {}): CompiledProxyWasm {
  const maxPages = Math.floor((options.maxMemoryBytes ?? MAX_MEMORY_BYTES) / PAGE);
  let shape: ModuleShape;
  try {
    shape = readModuleShape(bytes);
  } catch (error) {
    throw new ModuleLoadError(origin, `not a valid WebAssembly module: ${(error as Error).message}`, { cause: error });
  }
  if (shape.memory && shape.memory.limits.initial > maxPages) {
    throw new ModuleLoadError(origin, `declares ${shape.memory.limits.initial} pages of initial memory, over the cap of ${maxPages} pages (${maxPages * PAGE} bytes)`);
  }
  let module: WebAssembly.Module;
  let code = bytes;
  let codeShape = shape;
  if (options.instrumented) {
    code = options.instrumented;
    codeShape = readModuleShape(code);
    sourceMap = undefined;
  }
  const capped = withMemoryMaximum(code, codeShape, maxPages);
  sourceMap = sourceMap?.shifted(capped.length - code.length);
  try {
    module = new WebAssembly.Module(capped as Uint8Array<ArrayBuffer>);
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
  const problems = linkProblems(shape, marker[1], options);
  if (problems.length) throw new ModuleLoadError(origin, `module ${problems.join("; ")}`);
  const memoryImport = shape.imports.find((e) => e.kind === "memory");
  if (memoryImport?.limits && memoryImport.limits.initial > maxPages) {
    throw new ModuleLoadError(origin, `imports a memory of ${memoryImport.limits.initial} initial pages, over the cap of ${maxPages} pages`);
  }
  const importedMemory: MemoryLimits | undefined = memoryImport?.limits
    ? { initial: memoryImport.limits.initial, maximum: memoryImport.limits.maximum ?? 65536 }
    : undefined;
  return { origin, module, abiVersion: marker[1], allocator, exports, sourceMap, importedMemory, size: bytes.length, interruptible: options.instrumented !== undefined };
}

/** Reads `path` and its `.map` (asc --sourceMap) if present. */
export function loadProxyWasmFile(path: string, options: CompileOptions = {}): CompiledProxyWasm {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ModuleLoadError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return compileProxyWasm(bytes, path, WasmSourceMap.forWasmFile(path), options);
}
