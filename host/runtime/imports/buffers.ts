// Buffer host functions (docs/proxy-wasm-abi.md: proxy_get_buffer_bytes, proxy_set_buffer_bytes,
// proxy_get_buffer_status). Which buffers exist depends on the callback: bodies on HTTP
// streams, configurations during start/configure, HttpCallResponseBody during
// proxy_on_http_call_response (not HttpResponseBody: docs/proxy-wasm-abi.md "Enumerations"), CallData during a foreign
// function. An unavailable buffer is NotFound. Reads past the end answer Ok with nothing
// (cpp-host exports.cc get_buffer_bytes: "Don't overread"). set_buffer_bytes does what Envoy's
// Buffer::copyFrom (context.cc) does: start 0 drains `size` bytes and prepends the data (so
// size 0 prepends, size >= length replaces all, anything between replaces that prefix);
// start >= length appends; a start inside the buffer is BadArgument.
import { BufferType, WasmResult } from "../abi/enums.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

const EMPTY = new Uint8Array(0);

// Envoy's Context::getBuffer hands out a buffer object for the bodies, gRPC messages and the
// VM configuration whatever the callback (empty when there is nothing), so those are Ok with
// zero bytes rather than NotFound; the plugin configuration exists only during
// proxy_on_configure and a call response body only during its callback.
function bufferOf(host: ImportHost, type: number): Uint8Array | undefined {
  const context = host.effective();
  const data = host.callbackData;
  switch (type) {
    case BufferType.HttpRequestBody: return (context?.kind === "http" ? context.requestBody : null) ?? EMPTY;
    case BufferType.HttpResponseBody: return (context?.kind === "http" ? context.responseBody : null) ?? EMPTY;
    case BufferType.HttpCallResponseBody: return data.httpCallResponse?.body;
    case BufferType.GrpcReceiveBuffer: return data.grpcMessage ?? EMPTY;
    case BufferType.VmConfiguration: return data.vmConfiguration ?? host.vmConfiguration;
    case BufferType.PluginConfiguration: return data.pluginConfiguration;
    case BufferType.CallData: return data.callData;
    default: return undefined;
  }
}

/** Only the HTTP bodies are writable from a module. */
function storeBody(host: ImportHost, type: number, bytes: Uint8Array): boolean {
  const context = host.effective();
  if (context?.kind !== "http") return false;
  if (type === BufferType.HttpRequestBody && context.requestBody) context.requestBody = bytes;
  else if (type === BufferType.HttpResponseBody && context.responseBody) context.responseBody = bytes;
  else return false;
  return true;
}

export function bufferImports(host: ImportHost) {
  return guarded({
    proxy_get_buffer_bytes(type: number, start: number, maxSize: number, retPtrPtr: number, retLenPtr: number): number {
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      const buffer = bufferOf(host, type);
      if (!buffer) return WasmResult.NotFound;
      start >>>= 0;
      maxSize >>>= 0;
      const end = start >= buffer.length ? start : Math.min(buffer.length, start + maxSize);
      host.memory.returnBytes(end > start ? buffer.subarray(start, end) : EMPTY, retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },

    proxy_set_buffer_bytes(type: number, start: number, size: number, dataPtr: number, dataLen: number): number {
      const data = host.memory.copyBytes(dataPtr, dataLen, "buffer data");
      const buffer = bufferOf(host, type);
      if (!buffer) return WasmResult.NotFound;
      start >>>= 0;
      size >>>= 0;
      let next: Uint8Array;
      if (start === 0) next = concat(data, buffer.subarray(Math.min(size, buffer.length)));
      else if (start >= buffer.length) next = concat(buffer, data);
      else return WasmResult.BadArgument;
      return storeBody(host, type, next) ? WasmResult.Ok : WasmResult.BadArgument;
    },

    proxy_get_buffer_status(type: number, retLen: number, retFlags: number): number {
      host.memory.checkSlots(retLen, retFlags);
      const buffer = bufferOf(host, type);
      if (!buffer) return WasmResult.NotFound;
      host.memory.writeU32(retLen, buffer.length);
      host.memory.writeU32(retFlags, 0);
      return WasmResult.Ok;
    },
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
