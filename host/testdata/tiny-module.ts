// Hand-assembled proxy-wasm modules for loader tests, built with Binaryen (shipped with
// assemblyscript): each has exactly the exports and imports a test asks for, so a test controls
// the ABI marker, the allocator exports and the import list precisely.
import binaryen from "binaryen";
import { allEnvFunctions, WASI_FUNCTIONS } from "../runtime/abi/signatures.ts";

export interface TinyModuleSpec {
  /** Exported marker, e.g. "proxy_abi_version_0_2_0"; null = none. */
  marker?: string | null;
  /** Allocator exports to add; each returns a fixed pointer and bumps a distinct global. */
  allocators?: Array<"malloc" | "proxy_on_memory_allocate">;
  /**
   * Function imports (module, name), typed as the host function is (abi/signatures.ts), or
   * (module, name, params, results) with types in its letters (`i` i32, `I` i64).
   */
  imports?: Array<[string, string] | [string, string, string, string]>;
  /** Callback exports (name, params, results) that return 0 / do nothing. */
  callbacks?: Array<[string, string, string]>;
  /** The module's own memory limits in pages (default 1, maximum 16). */
  memory?: { initial: number; maximum?: number };
  /** Export `_initialize` / `_start` that store 1/2 into memory[0] so a test sees what ran. */
  entry?: Array<"_initialize" | "_start" | "main">;
  /** Import `env.memory` with these limits instead of defining one. */
  importMemory?: { initial: number; maximum?: number };
}

export function tinyModule(spec: TinyModuleSpec): Uint8Array {
  const mod = new binaryen.Module();
  if (spec.importMemory) {
    mod.setMemory(spec.importMemory.initial, spec.importMemory.maximum ?? 65536, null, [], false, false, "0");
    mod.addMemoryImport("0", "env", "memory");
  } else {
    mod.setMemory(spec.memory?.initial ?? 1, spec.memory ? spec.memory.maximum ?? -1 : 16, "memory");
  }
  // grow(pages) -> previous size in pages, or -1 (memory.grow)
  mod.addFunction("grow", binaryen.createType([binaryen.i32]), binaryen.i32, [], mod.memory.grow(mod.local.get(0, binaryen.i32), "0"));
  mod.addFunctionExport("grow", "grow");
  const none = binaryen.none;
  const i32 = binaryen.i32;
  const known = { ...allEnvFunctions(), ...WASI_FUNCTIONS };
  const types = (letters: string) => binaryen.createType([...letters].map((c) => (c === "I" ? binaryen.i64 : binaryen.i32)));
  for (const [module, name, params, results] of spec.imports ?? []) {
    const signature = params !== undefined ? { params, results: results! } : known[name] ?? { params: "", results: "i" };
    mod.addFunctionImport(`${module}.${name}`, module, name, types(signature.params), signature.results ? types(signature.results) : none);
  }
  for (const [name, params, results] of spec.callbacks ?? []) {
    const result = results ? types(results) : none;
    mod.addFunction(name, types(params), result, [], results ? mod.i32.const(0) : mod.nop());
    mod.addFunctionExport(name, name);
  }
  const marker = spec.marker === undefined ? "proxy_abi_version_0_2_1" : spec.marker;
  if (marker) {
    mod.addFunction("marker", none, none, [], mod.nop());
    mod.addFunctionExport("marker", marker);
  }
  for (const [i, name] of (spec.allocators ?? ["malloc"]).entries()) {
    // Returns 1024 + 1024*i and counts calls in memory[16 + 4*i].
    const counter = 16 + 4 * i;
    mod.addFunction(name, binaryen.createType([i32]), i32, [], mod.block(null, [
      mod.i32.store(0, 4, mod.i32.const(counter), mod.i32.add(mod.i32.load(0, 4, mod.i32.const(counter)), mod.i32.const(1))),
      mod.i32.const(1024 + 1024 * i),
    ], i32));
    mod.addFunctionExport(name, name);
  }
  const entries: Record<string, number> = { _initialize: 1, main: 2, _start: 3 };
  for (const name of spec.entry ?? []) {
    // Appends its code to memory[0..]: memory[0] = memory[0] * 10 + code.
    mod.addFunction(name, none, none, [], mod.i32.store(0, 4, mod.i32.const(0),
      mod.i32.add(mod.i32.mul(mod.i32.load(0, 4, mod.i32.const(0)), mod.i32.const(10)), mod.i32.const(entries[name]!))));
    mod.addFunctionExport(name, name);
  }
  if (!mod.validate()) throw new Error("tinyModule: invalid module");
  const bytes = mod.emitBinary();
  mod.dispose();
  return bytes;
}
