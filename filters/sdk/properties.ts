// Properties (proxy_get_property / proxy_set_property): a path of segments joined with 0x00,
// e.g. ["xds", "route_name"]. Envoy encodes strings as raw bytes, integers as 8 bytes LE,
// bools as 1 byte (reference: "Property values"). Paths Envoy offers are listed in
// /work/shared/reference/envoy-wasm-wiring.md.
import { proxy_get_property, proxy_set_property } from "./imports";
import { WasmResult } from "./enums";
import { RET_LEN, RET_PTR, clearResultSlots, takeHostBytes, takeHostString } from "./memory";
import { reportUnexpected } from "./log";

/** Encodes path segments the way the Rust and Go SDKs do: joined by NUL, no trailing NUL. */
export function encodePropertyPath(path: string[]): ArrayBuffer {
  return String.UTF8.encode(path.join("\0"));
}

/** Raw bytes of a property, or null when the host does not know it. */
export function getProperty(path: string[]): ArrayBuffer | null {
  const encoded = encodePropertyPath(path);
  clearResultSlots();
  const result = <WasmResult>proxy_get_property(changetype<usize>(encoded), encoded.byteLength, RET_PTR, RET_LEN);
  if (result == WasmResult.Ok) return takeHostBytes();
  if (result != WasmResult.NotFound) reportUnexpected("proxy_get_property(" + path.join(".") + ")", result);
  return null;
}

/** A string-valued property decoded as UTF-8, or null when absent. */
export function getPropertyString(path: string[]): string | null {
  const bytes = getProperty(path);
  return bytes === null ? null : String.UTF8.decode(bytes);
}

/** An integer property (Envoy: int64/uint64 as 8 bytes little-endian), or `fallback`. */
export function getPropertyInt(path: string[], fallback: i64 = 0): i64 {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(bytes));
}

/** Sets a property (Envoy allows writes below `filter_state`-like paths it owns). */
export function setProperty(path: string[], value: ArrayBuffer): bool {
  const encoded = encodePropertyPath(path);
  const result = <WasmResult>proxy_set_property(changetype<usize>(encoded), encoded.byteLength, changetype<usize>(value), value.byteLength);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_set_property(" + path.join(".") + ")", result);
  return false;
}

/** Path bytes of xds.route_name, encoded once: filters read it on every request. */
let routeNamePath: ArrayBuffer | null = null;

/** `xds.route_name`: the matched route's name; Attaché names routes `<namespace>/<name>`. */
export function getRouteName(): string | null {
  if (routeNamePath === null) routeNamePath = encodePropertyPath(["xds", "route_name"]);
  const path = routeNamePath!;
  clearResultSlots();
  const result = <WasmResult>proxy_get_property(changetype<usize>(path), path.byteLength, RET_PTR, RET_LEN);
  if (result == WasmResult.Ok) return takeHostString();
  if (result != WasmResult.NotFound) reportUnexpected("proxy_get_property(xds.route_name)", result);
  return null;
}
/** `xds.cluster_name`: the upstream cluster chosen for this request. */
export function getClusterName(): string | null { return getPropertyString(["xds", "cluster_name"]); }
/** `source.address`: the downstream peer as `ip:port`. */
export function getSourceAddress(): string | null { return getPropertyString(["source", "address"]); }
/** `request.path`: path including the query string. */
export function getRequestPath(): string | null { return getPropertyString(["request", "path"]); }
/** `request.url_path`: path without the query string. */
export function getRequestUrlPath(): string | null { return getPropertyString(["request", "url_path"]); }
/** `request.method`. */
export function getRequestMethod(): string | null { return getPropertyString(["request", "method"]); }
/** `request.host`: the `:authority`. */
export function getRequestHost(): string | null { return getPropertyString(["request", "host"]); }
/** `request.id`: Envoy's x-request-id. */
export function getRequestId(): string | null { return getPropertyString(["request", "id"]); }
/** `plugin_root_id`: selects the root context registration (dispatcher.ts). */
export function getPluginRootId(): string | null { return getPropertyString(["plugin_root_id"]); }
/** `plugin_name`. */
export function getPluginName(): string | null { return getPropertyString(["plugin_name"]); }
/** `plugin_vm_id`: the VM id that scopes shared data and queues. */
export function getPluginVmId(): string | null { return getPropertyString(["plugin_vm_id"]); }
