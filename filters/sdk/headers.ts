// Header maps: request/response headers and trailers, HTTP callout response headers/trailers,
// gRPC metadata (MapType). Serialization per proxy-wasm ABI 0.2.1 (proxy-wasm-cpp-host
// src/pairs_util.cc): u32 N, then N x (u32 key_len, u32 value_len), then N x (key, 0x00,
// value, 0x00), all little-endian. An empty map may arrive as 0 bytes, a single 0x00 or N=0.
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_size,
  proxy_get_header_map_value, proxy_remove_header_map_value, proxy_replace_header_map_value,
  proxy_set_header_map_pairs,
} from "./imports";
import { MapType, WasmResult } from "./enums";
import { BorrowedBytes, RET_EXTRA, RET_LEN, RET_PTR, borrowHostResult, clearResultSlots, takeHostBytes, takeHostString } from "./memory";
import { decimalValueArg, keyArg, valueArg } from "./args";
import { reportUnexpected } from "./log";

export class HeaderPair {
  constructor(public key: string, public value: string) {}
}

/** Encodes pairs in the proxy-wasm header-map format (for set-all, local responses, callouts). */
export function serializeHeaders(pairs: HeaderPair[]): ArrayBuffer {
  const keys = new Array<ArrayBuffer>(pairs.length);
  const values = new Array<ArrayBuffer>(pairs.length);
  let size = 4 + 8 * pairs.length;
  for (let i = 0; i < pairs.length; i++) {
    keys[i] = String.UTF8.encode(pairs[i].key);
    values[i] = String.UTF8.encode(pairs[i].value);
    size += keys[i].byteLength + values[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, pairs.length);
  let lengths = base + 4;
  let data = base + 4 + 8 * <usize>pairs.length;
  for (let i = 0; i < pairs.length; i++) {
    const keyLen = <usize>keys[i].byteLength;
    const valueLen = <usize>values[i].byteLength;
    store<u32>(lengths, <u32>keyLen);
    store<u32>(lengths + 4, <u32>valueLen);
    lengths += 8;
    memory.copy(data, changetype<usize>(keys[i]), keyLen);
    data += keyLen;
    store<u8>(data, 0);
    data += 1;
    memory.copy(data, changetype<usize>(values[i]), valueLen);
    data += valueLen;
    store<u8>(data, 0);
    data += 1;
  }
  return out;
}

/** Decodes the proxy-wasm header-map format; malformed input yields the pairs read so far. */
export function deserializeHeaders(bytes: ArrayBuffer): HeaderPair[] {
  const pairs = new Array<HeaderPair>();
  const total = <usize>bytes.byteLength;
  if (total < 4) return pairs; // 0 bytes or a lone 0x00: empty map
  const base = changetype<usize>(bytes);
  const count = <usize>load<u32>(base);
  const lengthsEnd: usize = 4 + (count << 3);
  if (lengthsEnd > total) return pairs;
  let data = base + lengthsEnd;
  const end = base + total;
  for (let i: usize = 0; i < count; i++) {
    const keyLen = <usize>load<u32>(base + 4 + (i << 3));
    const valueLen = <usize>load<u32>(base + 8 + (i << 3));
    if (data + keyLen + valueLen + 2 > end) break;
    const key = String.UTF8.decodeUnsafe(data, keyLen);
    data += keyLen + 1;
    const value = String.UTF8.decodeUnsafe(data, valueLen);
    data += valueLen + 1;
    pairs.push(new HeaderPair(key, value));
  }
  return pairs;
}

/** One header map of the current context, e.g. `requestHeaders.get("x-api-version")`. */
export class HeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** First value for `name` (lower-case in HTTP/2 and Envoy), or null when absent. */
  get(name: string): string | null {
    if (!this.lookup(name)) return null;
    return takeHostString();
  }

  /**
   * First value for `name` read in place, without a copy (BorrowedBytes: valid until the next
   * SDK call that asks the host for a result), or null when absent.
   */
  borrow(name: string): BorrowedBytes | null {
    return this.lookup(name) ? borrowHostResult() : null;
  }

  /** Whether `name` is present (one host call; the value is not copied). */
  has(name: string): bool {
    if (!this.lookup(name)) return false;
    borrowHostResult(); // released at the next host call
    return true;
  }

  /** Asks the host for `name`; true leaves the value in the result slots. */
  private lookup(name: string): bool {
    const key = keyArg(name);
    clearResultSlots();
    const result = <WasmResult>proxy_get_header_map_value(<u32>this.mapType, key.ptr, key.length, RET_PTR, RET_LEN);
    if (result == WasmResult.Ok) return true;
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_header_map_value", result);
    return false;
  }

  /** Sets `name` to `value`, replacing any existing values (adds it if missing). */
  set(name: string, value: string): void {
    const key = keyArg(name);
    const val = valueArg(value);
    const result = <WasmResult>proxy_replace_header_map_value(<u32>this.mapType, key.ptr, key.length, val.ptr, val.length);
    if (result != WasmResult.Ok) reportUnexpected("proxy_replace_header_map_value", result);
  }

  /** Sets `name` to the decimal form of `value` (like set(name, value.toString()), without the string). */
  setNumber(name: string, value: u64): void {
    const key = keyArg(name);
    const val = decimalValueArg(value);
    const result = <WasmResult>proxy_replace_header_map_value(<u32>this.mapType, key.ptr, key.length, val.ptr, val.length);
    if (result != WasmResult.Ok) reportUnexpected("proxy_replace_header_map_value", result);
  }

  /** Appends another value for `name`. */
  add(name: string, value: string): void {
    const key = keyArg(name);
    const val = valueArg(value);
    const result = <WasmResult>proxy_add_header_map_value(<u32>this.mapType, key.ptr, key.length, val.ptr, val.length);
    if (result != WasmResult.Ok) reportUnexpected("proxy_add_header_map_value", result);
  }

  /** Removes every value of `name`; removing an absent header is not an error. */
  remove(name: string): void {
    const key = keyArg(name);
    const result = <WasmResult>proxy_remove_header_map_value(<u32>this.mapType, key.ptr, key.length);
    if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_remove_header_map_value", result);
  }

  /** Every pair in order, including pseudo-headers such as `:path` and `:method`. */
  all(): HeaderPair[] {
    clearResultSlots();
    const result = <WasmResult>proxy_get_header_map_pairs(<u32>this.mapType, RET_PTR, RET_LEN);
    if (result == WasmResult.Ok) return deserializeHeaders(takeHostBytes());
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_header_map_pairs", result);
    return new Array<HeaderPair>();
  }

  /** Replaces the whole map. */
  setAll(pairs: HeaderPair[]): void {
    const bytes = serializeHeaders(pairs);
    const result = <WasmResult>proxy_set_header_map_pairs(<u32>this.mapType, changetype<usize>(bytes), bytes.byteLength);
    if (result != WasmResult.Ok) reportUnexpected("proxy_set_header_map_pairs", result);
  }

  /**
   * Size of the map in bytes as the proxy reports it (Envoy: the header map's byte size, not the
   * number of pairs; the callbacks' numHeaders or all().length give the count).
   */
  byteSize(): u32 {
    store<u32>(RET_EXTRA, 0);
    const result = <WasmResult>proxy_get_header_map_size(<u32>this.mapType, RET_EXTRA);
    if (result == WasmResult.Ok) return load<u32>(RET_EXTRA);
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_header_map_size", result);
    return 0;
  }
}

export const requestHeaders = new HeaderMap(MapType.HttpRequestHeaders);
export const requestTrailers = new HeaderMap(MapType.HttpRequestTrailers);
export const responseHeaders = new HeaderMap(MapType.HttpResponseHeaders);
export const responseTrailers = new HeaderMap(MapType.HttpResponseTrailers);
export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);
export const grpcReceiveInitialMetadata = new HeaderMap(MapType.GrpcReceiveInitialMetadata);
export const grpcReceiveTrailingMetadata = new HeaderMap(MapType.GrpcReceiveTrailingMetadata);
