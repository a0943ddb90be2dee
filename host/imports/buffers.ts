// Buffer host functions (docs/proxy-wasm-abi.md: proxy_get_buffer_bytes, proxy_set_buffer_bytes,
// proxy_get_buffer_status). Which buffers exist depends on the callback: bodies on HTTP
// streams, configurations during start/configure, HttpCallResponseBody during
// proxy_on_http_call_response (not HttpResponseBody: docs/proxy-wasm-abi.md "Enumerations"), CallData during a foreign
// function. An unavailable buffer is NotFound. set_buffer_bytes supports exactly what Envoy
// does: prepend (start 0, size 0), replace all (start 0, size >= length), append
// (start >= length); anything else is BadArgument.
import { BufferType, WasmResult } from "../abi/enums.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

function bufferOf(host: ImportHost, type: number): Uint8Array | undefined {
  const context = host.effective();
  const data = host.callbackData;
  switch (type) {
    case BufferType.HttpRequestBody: return context?.kind === "http" ? context.requestBody ?? undefined : undefined;
    case BufferType.HttpResponseBody: return context?.kind === "http" ? context.responseBody ?? undefined : undefined;
    case BufferType.HttpCallResponseBody: return data.httpCallResponse?.body;
    case BufferType.GrpcReceiveBuffer: return data.grpcMessage;
    case BufferType.VmConfiguration: return data.vmConfiguration;
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
      if (start > buffer.length) return WasmResult.BadArgument;
      const end = Math.min(buffer.length, start + maxSize);
      host.memory.returnBytes(buffer.subarray(start, end), retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },

    proxy_set_buffer_bytes(type: number, start: number, size: number, dataPtr: number, dataLen: number): number {
      const data = host.memory.copyBytes(dataPtr, dataLen, "buffer data");
      const buffer = bufferOf(host, type);
      if (!buffer) return WasmResult.NotFound;
      start >>>= 0;
      size >>>= 0;
      let next: Uint8Array;
      if (start === 0 && size === 0) next = concat(data, buffer);
      else if (start === 0 && size >= buffer.length) next = data;
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
