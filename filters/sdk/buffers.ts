// Byte buffers the host owns (BufferType): request/response bodies, the HTTP callout response
// body, the VM and plugin configuration. proxy_get_buffer_bytes clamps start/size to what is
// there and returns NotFound when the buffer does not exist in the current callback;
// proxy_set_buffer_bytes in Envoy supports prepend (start 0, size 0), replace all
// (start 0, size >= length) and append (start >= length).
import { proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes } from "./imports";
import { BufferType, WasmResult } from "./enums";
import { RET_EXTRA, RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { reportUnexpected } from "./log";

export class HostBuffer {
  constructor(public readonly bufferType: BufferType) {}

  /** Bytes [start, start + maxSize) of the buffer, or null when the host has no such buffer. */
  get(start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): ArrayBuffer | null {
    clearResultSlots();
    const result = <WasmResult>proxy_get_buffer_bytes(<u32>this.bufferType, start, maxSize, RET_PTR, RET_LEN);
    if (result == WasmResult.Ok) return takeHostBytes();
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_buffer_bytes", result);
    return null;
  }

  /** The whole buffer decoded as UTF-8, or null when absent. */
  getString(): string | null {
    const bytes = this.get();
    return bytes === null ? null : String.UTF8.decode(bytes);
  }

  /** Replaces bytes [start, start + size) with `data`; false when the host refused. */
  set(start: u32, size: u32, data: ArrayBuffer): bool {
    const result = <WasmResult>proxy_set_buffer_bytes(<u32>this.bufferType, start, size, changetype<usize>(data), data.byteLength);
    if (result == WasmResult.Ok) return true;
    reportUnexpected("proxy_set_buffer_bytes", result);
    return false;
  }

  /** Replaces the whole buffer. */
  replace(data: ArrayBuffer): bool { return this.set(0, u32.MAX_VALUE, data); }
  /** Adds `data` at the end. */
  append(data: ArrayBuffer): bool { return this.set(u32.MAX_VALUE, 0, data); }
  /** Adds `data` at the start. */
  prepend(data: ArrayBuffer): bool { return this.set(0, 0, data); }

  /** Current length in bytes (0 when absent). */
  length(): u32 {
    store<u32>(RET_EXTRA, 0);
    store<u32>(RET_EXTRA + 4, 0);
    const result = <WasmResult>proxy_get_buffer_status(<u32>this.bufferType, RET_EXTRA, RET_EXTRA + 4);
    if (result == WasmResult.Ok) return load<u32>(RET_EXTRA);
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_buffer_status", result);
    return 0;
  }
}

export const requestBody = new HostBuffer(BufferType.HttpRequestBody);
export const responseBody = new HostBuffer(BufferType.HttpResponseBody);
export const httpCallResponseBody = new HostBuffer(BufferType.HttpCallResponseBody);
export const grpcReceiveBuffer = new HostBuffer(BufferType.GrpcReceiveBuffer);
export const vmConfiguration = new HostBuffer(BufferType.VmConfiguration);
export const pluginConfiguration = new HostBuffer(BufferType.PluginConfiguration);
export const foreignCallData = new HostBuffer(BufferType.CallData);
