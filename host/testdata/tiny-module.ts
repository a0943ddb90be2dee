// Hand-assembled proxy-wasm modules for loader tests, built with Binaryen (shipped with
// assemblyscript): each has exactly the exports and imports a test asks for, so a test controls
// the ABI marker, the allocator exports and the import list precisely.
import binaryen from "binaryen";

export interface TinyModuleSpec {
  /** Exported marker, e.g. "proxy_abi_version_0_2_0"; null = none. */
  marker?: string | null;
  /** Allocator exports to add; each returns a fixed pointer and bumps a distinct global. */
  allocators?: Array<"malloc" | "proxy_on_memory_allocate">;
  /** Function imports (module, name), all typed () -> i32 ... callers only check linking. */
  imports?: Array<[string, string]>;
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
    mod.setMemory(1, 16, "memory");
  }
  // grow(pages) -> previous size in pages, or -1 (memory.grow)
  mod.addFunction("grow", binaryen.createType([binaryen.i32]), binaryen.i32, [], mod.memory.grow(mod.local.get(0, binaryen.i32), "0"));
  mod.addFunctionExport("grow", "grow");
  const none = binaryen.none;
  const i32 = binaryen.i32;
  for (const [module, name] of spec.imports ?? []) mod.addFunctionImport(`${module}.${name}`, module, name, none, i32);
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
