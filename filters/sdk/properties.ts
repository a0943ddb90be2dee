// Properties (proxy_get_property / proxy_set_property): a path of segments joined with 0x00,
// e.g. ["xds", "route_name"]. Envoy encodes strings as raw bytes, integers as 8 bytes LE,
// bools as 1 byte (docs/proxy-wasm-abi.md "Encodings", which also lists the
// paths Envoy offers).
import { proxy_get_property, proxy_set_property } from "./imports";
import { WasmResult } from "./enums";
import { BorrowedBytes, RET_LEN, RET_PTR, borrowHostResult, clearResultSlots, takeHostBytes, takeHostString } from "./memory";
import { keyArg } from "./args";
import { reportUnexpected } from "./log";

/** Encodes path segments the way the Rust and Go SDKs do: joined by NUL, no trailing NUL. */
export function encodePropertyPath(path: string[]): ArrayBuffer {
  return String.UTF8.encode(path.join("\0"));
}

/**
 * A property path encoded once, for paths read on every request (the named getters below; a
 * filter can make its own: `const TENANT = new PropertyPath(["metadata", "tenant"])`).
 */
export class PropertyPath {
  readonly bytes: ArrayBuffer;
  /** Dotted form for log lines, e.g. "xds.route_name". */
  readonly name: string;
  constructor(segments: string[]) {
    this.bytes = encodePropertyPath(segments);
    this.name = segments.join(".");
  }

  /** Asks the host; true leaves the value in the result slots (memory.ts). */
  private fetch(): bool {
    const bytes = this.bytes;
    clearResultSlots();
    const result = <WasmResult>proxy_get_property(changetype<usize>(bytes), bytes.byteLength, RET_PTR, RET_LEN);
    if (result == WasmResult.Ok) return true;
    if (result != WasmResult.NotFound) reportUnexpected("proxy_get_property(" + this.name + ")", result);
    return false;
  }

  /** The raw value, or null when the host does not know the property. */
  getBytes(): ArrayBuffer | null {
    return this.fetch() ? takeHostBytes() : null;
  }

  /** The value decoded as UTF-8, or null when absent. */
  getString(): string | null {
    return this.fetch() ? takeHostString() : null;
  }

  /** The value read in place, without a copy (BorrowedBytes rules), or null when absent. */
  borrow(): BorrowedBytes | null {
    return this.fetch() ? borrowHostResult() : null;
  }
}

/** Raw bytes of a property, or null when the host does not know it. */
export function getProperty(path: string[]): ArrayBuffer | null {
  return new PropertyPath(path).getBytes();
}

/** A string-valued property decoded as UTF-8, or null when absent. */
export function getPropertyString(path: string[]): string | null {
  return new PropertyPath(path).getString();
}

/** An integer property (Envoy: int64/uint64 as 8 bytes little-endian), or `fallback`. */
export function getPropertyInt(path: string[], fallback: i64 = 0): i64 {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(bytes));
}

/** Sets a property (Envoy allows writes below `filter_state`-like paths it owns). */
export function setProperty(path: string[], value: ArrayBuffer): bool {
  const encoded = keyArg(path.join("\0"));
  const result = <WasmResult>proxy_set_property(encoded.ptr, encoded.length, changetype<usize>(value), value.byteLength);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_set_property(" + path.join(".") + ")", result);
  return false;
}

/** `xds.route_name`: the matched route's name; Attaché names routes `<namespace>/<name>`. */
export const ROUTE_NAME = new PropertyPath(["xds", "route_name"]);
const CLUSTER_NAME = new PropertyPath(["xds", "cluster_name"]);
/** `source.address` (for reading it in place: SOURCE_ADDRESS.borrow()). */
export const SOURCE_ADDRESS = new PropertyPath(["source", "address"]);
const REQUEST_PATH = new PropertyPath(["request", "path"]);
const REQUEST_URL_PATH = new PropertyPath(["request", "url_path"]);
const REQUEST_METHOD = new PropertyPath(["request", "method"]);
const REQUEST_HOST = new PropertyPath(["request", "host"]);
const REQUEST_ID = new PropertyPath(["request", "id"]);
const PLUGIN_ROOT_ID = new PropertyPath(["plugin_root_id"]);
const PLUGIN_NAME = new PropertyPath(["plugin_name"]);
const PLUGIN_VM_ID = new PropertyPath(["plugin_vm_id"]);

/** `xds.route_name` (RouteMap.forCurrentRoute looks settings up by it without decoding it). */
export function getRouteName(): string | null { return ROUTE_NAME.getString(); }
/** `xds.cluster_name`: the upstream cluster chosen for this request. */
export function getClusterName(): string | null { return CLUSTER_NAME.getString(); }
/** `source.address`: the downstream peer as `ip:port`. */
export function getSourceAddress(): string | null { return SOURCE_ADDRESS.getString(); }
/** `request.path`: path including the query string. */
export function getRequestPath(): string | null { return REQUEST_PATH.getString(); }
/** `request.url_path`: path without the query string. */
export function getRequestUrlPath(): string | null { return REQUEST_URL_PATH.getString(); }
/** `request.method`. */
export function getRequestMethod(): string | null { return REQUEST_METHOD.getString(); }
/** `request.host`: the `:authority`. */
export function getRequestHost(): string | null { return REQUEST_HOST.getString(); }
/** `request.id`: Envoy's x-request-id. */
export function getRequestId(): string | null { return REQUEST_ID.getString(); }
/** `plugin_root_id`: selects the root context registration (dispatcher.ts). */
export function getPluginRootId(): string | null { return PLUGIN_ROOT_ID.getString(); }
/** `plugin_name`. */
export function getPluginName(): string | null { return PLUGIN_NAME.getString(); }
/** `plugin_vm_id`: the VM id that scopes shared data and queues. */
export function getPluginVmId(): string | null { return PLUGIN_VM_ID.getString(); }
