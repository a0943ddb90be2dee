// Turns host-side errors into ABI statuses: a bad module pointer is InvalidMemoryAccess, a
// malformed serialized map is SerializationFailure (reference "Status codes"). Anything else is
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

/**
 * Wraps every function of an import group (all return a WasmResult). Fixed-arity closures keep
 * V8's fast path (no rest/spread on the per-request hot path).
 */
export function guarded<T extends Record<string, AnyFn>>(functions: T): T {
  const out: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(functions)) out[name] = wrap(fn);
  return out as T;
}

function wrap(fn: AnyFn): AnyFn {
  switch (fn.length) {
    case 0: return () => { try { return fn(); } catch (e) { return statusOf(e); } };
    case 1: return (a) => { try { return fn(a); } catch (e) { return statusOf(e); } };
    case 2: return (a, b) => { try { return fn(a, b); } catch (e) { return statusOf(e); } };
    case 3: return (a, b, c) => { try { return fn(a, b, c); } catch (e) { return statusOf(e); } };
    case 4: return (a, b, c, d) => { try { return fn(a, b, c, d); } catch (e) { return statusOf(e); } };
    case 5: return (a, b, c, d, e) => { try { return fn(a, b, c, d, e); } catch (x) { return statusOf(x); } };
    default: return (...args) => { try { return fn(...args); } catch (e) { return statusOf(e); } };
  }
}
