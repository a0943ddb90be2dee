// Property lookup for proxy_get_property, shaped after Envoy's attribute tree (reference
// "Property values (Envoy)"; envoy source/extensions/filters/common/expr/context.cc):
//   1. values set on the context (proxy_set_property, or per-stream values from the embedder),
//   2. values set on its root context,
//   3. the request's attributes from the embedder (a PropertySource on the stream: Envoy's
//      stream info, e.g. xds.route_name and source.address, one source for every filter),
//   4. values the embedder configured for the VM (e.g. xds.route_name, source.address),
//   5. values derived from the stream: request.path/url_path/query/method/host/scheme/id/
//      useragent/referer/headers, request.time/size, response.code/size/headers, and the
//      plugin_name/plugin_root_id/plugin_vm_id of the plugin.
// As in Envoy (expr context.cc RequestWrapper reads the request header map), what comes from
// a header map exists only while the module can read that map: a request's path is NotFound
// in proxy_on_response_headers of a stream whose request headers continued, and back in
// proxy_on_log. The stream-info attributes (request.protocol, source.*, destination.*,
// connection.*, upstream.*, xds.*, response.code_details/flags) are the embedder's (3, 4).
// Strings travel as raw bytes, integers as 8-byte little-endian, bool as one byte, maps in the
// header-map pair format.
import { PropertyValue, joinPropertyPath, type HeaderPairs } from "./abi/serialization.ts";
import type { ContextState } from "./contexts.ts";

/**
 * Attributes of one request an embedder supplies (HttpStreamState.attributes), answered by
 * joined key (propertyKey). A request through several filters can hand every filter's stream
 * the same source, which encodes each value once, on first read; a Map satisfies it too.
 */
export interface PropertySource {
  get(key: string): Uint8Array | undefined;
}

export type PropertyInput = string | Uint8Array | number | bigint | boolean | HeaderPairs;

/** Encodes a value the way Envoy would hand it to a module. Numbers are int64. */
export function encodeProperty(value: PropertyInput): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return PropertyValue.string(value);
  if (typeof value === "boolean") return PropertyValue.bool(value);
  if (typeof value === "bigint") return PropertyValue.int64(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return PropertyValue.double(value);
    return PropertyValue.int64(value);
  }
  return PropertyValue.map(value);
}

/** Accepts "xds.route_name" or ["xds", "route_name"]; dots split segments. */
export function propertyKey(path: string | string[]): string {
  return joinPropertyPath(Array.isArray(path) ? path : path.split("."));
}

function header(headers: HeaderPairs | null, name: string): string | undefined {
  return headers?.find(([k]) => k === name)?.[1];
}

function fromHeaders(headers: HeaderPairs | null, rest: string[]): Uint8Array | undefined {
  if (!headers) return undefined;
  if (rest.length === 0) return PropertyValue.map(headers);
  if (rest.length !== 1) return undefined;
  const value = header(headers, rest[0]!.toLowerCase());
  return value === undefined ? undefined : PropertyValue.string(value);
}

function streamProperty(context: ContextState, path: string[], nowNanos: () => bigint): Uint8Array | undefined {
  if (context.kind !== "http") return undefined;
  const [top, field, ...rest] = path;
  const request = context.accessLogPhase || context.requestHeadersOpen ? context.requestHeaders : null;
  const response = context.accessLogPhase || context.responseHeadersOpen ? context.responseHeaders : null;
  // Stream info, always there (Envoy's StreamInfo): start time and body bytes so far.
  if (top === "request" && rest.length === 0) {
    if (field === "time") return PropertyValue.int64(context.startNanos);
    if (field === "size") return PropertyValue.int64(context.requestBodyBytes);
    // Known once the request is complete (StreamInfo::requestComplete): in proxy_on_log.
    if (field === "duration") return context.accessLogPhase ? PropertyValue.int64(nowNanos() - context.startNanos) : undefined;
  }
  if (top === "response" && field === "size" && rest.length === 0) return PropertyValue.int64(context.responseBodyBytes);
  const str = (v: string | undefined) => (v === undefined ? undefined : PropertyValue.string(v));
  if (top === "request") {
    switch (field) {
      case "path": return str(header(request, ":path"));
      case "url_path": return str(header(request, ":path")?.split("?")[0]);
      case "query": {
        const path = header(request, ":path");
        return path === undefined ? undefined : str(path.includes("?") ? path.slice(path.indexOf("?") + 1) : "");
      }
      case "method": return str(header(request, ":method"));
      case "host": return str(header(request, ":authority") ?? header(request, "host"));
      case "scheme": return str(header(request, ":scheme"));
      case "id": return str(header(request, "x-request-id"));
      case "useragent": return str(header(request, "user-agent"));
      case "referer": return str(header(request, "referer"));
      case "headers": return fromHeaders(request, rest);
      case "trailers": return fromHeaders(context.requestTrailers, rest);
      default: return undefined;
    }
  }
  if (top === "response") {
    switch (field) {
      case "code": {
        const status = header(context.responseHeaders, ":status");
        return status === undefined ? undefined : PropertyValue.int64(Number(status));
      }
      case "headers": return fromHeaders(response, rest);
      case "trailers": return fromHeaders(context.responseTrailers, rest);
      default: return undefined;
    }
  }
  return undefined;
}

/** `key`: path segments joined by NUL (propertyPathKey / propertyKey). */
export function resolveProperty(
  context: ContextState | null,
  key: string,
  vmProperties: ReadonlyMap<string, Uint8Array>,
  vmId: string,
  nowNanos: () => bigint = () => 0n,
): Uint8Array | undefined {
  // Size checks first: these maps are usually empty, and a lookup must hash the fresh key.
  if (context) {
    const own = context.propertiesIfAny?.get(key);
    if (own) return own;
    if (context.kind === "http") {
      const fromRoot = context.root.propertiesIfAny?.get(key);
      if (fromRoot) return fromRoot;
      const attribute = context.attributes?.get(key);
      if (attribute) return attribute;
    }
  }
  const configured = vmProperties.size ? vmProperties.get(key) : undefined;
  if (configured) return configured;
  if (!context) return undefined;
  const root = context.kind === "root" ? context : context.root;
  if (key === "plugin_name") return PropertyValue.string(root.pluginName);
  if (key === "plugin_root_id") return PropertyValue.string(root.rootId);
  if (key === "plugin_vm_id") return PropertyValue.string(vmId);
  // Only request.* / response.* are derived from the stream; skip the split for anything else.
  if (context.kind !== "http" || !(key.startsWith("request\0") || key.startsWith("response\0"))) return undefined;
  return streamProperty(context, key.split("\0"), nowNanos);
}
