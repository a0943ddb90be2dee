// Stream and context control: resume or close a paused stream, finish a deferred onDone, make
// later host calls act on another context, and call host extensions (foreign functions).
import {
  proxy_call_foreign_function, proxy_close_stream, proxy_continue_stream, proxy_done,
  proxy_set_effective_context,
} from "./imports";
import { StreamType, WasmResult } from "./enums";
import { RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { keyArg } from "./args";
import { reportUnexpected } from "./log";

/** Resumes a stream paused by a Stop* status (e.g. after an HTTP callout answered). */
export function continueStream(streamType: StreamType): bool {
  const result = <WasmResult>proxy_continue_stream(<u32>streamType);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_continue_stream", result);
  return false;
}

export function closeStream(streamType: StreamType): bool {
  const result = <WasmResult>proxy_close_stream(<u32>streamType);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_close_stream", result);
  return false;
}

export function continueRequest(): bool { return continueStream(StreamType.HttpRequest); }
export function continueResponse(): bool { return continueStream(StreamType.HttpResponse); }
export function closeRequest(): bool { return closeStream(StreamType.HttpRequest); }
export function closeResponse(): bool { return closeStream(StreamType.HttpResponse); }

/** Makes later host calls act on `contextId` (the SDK does this before callout callbacks). */
export function setEffectiveContext(contextId: u32): bool {
  const result = <WasmResult>proxy_set_effective_context(contextId);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_set_effective_context", result);
  return false;
}

/** Tells the host a context whose onDone returned false has finished its work. */
export function done(): bool {
  const result = <WasmResult>proxy_done();
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_done", result);
  return false;
}

/**
 * Calls a host extension by name (Envoy: e.g. `clear_route_cache`); the result bytes, or null
 * when the host has no such function.
 */
export function callForeignFunction(name: string, args: ArrayBuffer): ArrayBuffer | null {
  return invokeForeign(name, args) == WasmResult.Ok ? takeHostBytes() : null;
}

function invokeForeign(name: string, args: ArrayBuffer): WasmResult {
  const nameArg = keyArg(name);
  clearResultSlots();
  const result = <WasmResult>proxy_call_foreign_function(nameArg.ptr, nameArg.length, changetype<usize>(args), args.byteLength, RET_PTR, RET_LEN);
  if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_call_foreign_function(" + name + ")", result);
  return result;
}

/**
 * A host extension a filter calls on every request. Hosts register foreign functions when they
 * start (Envoy: a static registry compiled into the binary; our Node host: the VM's options), so
 * once the host answers NotFound the function never appears: later calls return null without
 * a host call.
 */
export class ForeignFunction {
  private missing: bool = false;
  constructor(public readonly name: string) {}

  /** False once the host said it has no such function. */
  get available(): bool { return !this.missing; }

  /** The result bytes, or null when the host has no such function (or it failed: logged). */
  call(args: ArrayBuffer): ArrayBuffer | null {
    if (this.missing) return null;
    const result = invokeForeign(this.name, args);
    if (result == WasmResult.Ok) return takeHostBytes();
    if (result == WasmResult.NotFound) this.missing = true;
    return null;
  }
}
