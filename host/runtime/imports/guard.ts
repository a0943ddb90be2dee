// Turns host-side errors into ABI statuses: a bad module pointer is InvalidMemoryAccess, a
// malformed serialized map is SerializationFailure (docs/proxy-wasm-abi.md "Status codes"). Anything else is
// a host bug or a deliberate trap (proc_exit) and propagates as a trap of the callback.
import { WasmResult } from "../abi/enums.ts";
import { SerializationError } from "../abi/serialization.ts";
import { MemoryAccessError } from "../memory.ts";

export function statusOf(error: unknown): number {
  if (error instanceof MemoryAccessError) return WasmResult.InvalidMemoryAccess;
  if (error instanceof SerializationError) return WasmResult.SerializationFailure;
  throw error;
}

type AnyFn = (...args: any[]) => number;

/** Wraps every function of an import group (all return a WasmResult). */
export function guarded<T extends Record<string, AnyFn>>(functions: T): T {
  const out: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(functions)) out[name] = wrap(name, fn);
  return out as T;
}

type WrapperMaker = (fn: AnyFn, onError: typeof statusOf) => AnyFn;
const makers = new Map<string, WrapperMaker>();

/**
 * One wrapper function per import name, compiled once and shared by every VM. Closures of a
 * single literal (the obvious `(a, b) => { try { return fn(a, b) } ... }`) share one V8
 * feedback vector, so the call to `fn` inside would see every import of that arity: a
 * megamorphic call that is never inlined. A wrapper per name only ever calls that import (one
 * function literal per host file, so one feedback cell), which V8 inlines. Fixed arity: no rest/spread per call.
 */
function wrap(name: string, fn: AnyFn): AnyFn {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`import name ${JSON.stringify(name)} is not an identifier`);
  // Keyed by arity too, so a same-named function with more parameters never loses some.
  const key = `${name}/${fn.length}`;
  let make = makers.get(key);
  if (!make) {
    const params = Array.from({ length: fn.length }, (_, i) => `a${i}`).join(", ");
    make = new Function("fn", "onError", `return function ${name}(${params}) { try { return fn(${params}); } catch (e) { return onError(e); } };`) as WrapperMaker;
    makers.set(key, make);
  }
  return make(fn, statusOf);
}
