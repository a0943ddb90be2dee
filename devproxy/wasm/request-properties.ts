// The per-request Envoy attributes a Wasm filter reads with proxy_get_property
// (docs/proxy-wasm-abi.md "Properties"): xds.route_name, source.address, source.port,
// request.id, request.protocol and the string fields of xds.route_metadata, encoded as Envoy
// hands them over (strings raw, integers 8-byte little-endian). One RequestAttributes serves every Wasm filter of a request (host
// streams consult it through HttpStreamState.attributes) and encodes a value only when a
// filter first reads it: most filters read two of the five. Sharing is safe: the host only
// reads property values, and a module's proxy_set_property goes into its own stream's map,
// which the host consults first.
import { encodeUtf8 } from "../../host/runtime/abi/utf8.ts";
import { propertyKey, type PropertySource } from "../../host/index.ts";
import type { RequestInfo } from "../proxy/filters.ts";

// Property keys are fixed: join their paths once, not per request.
const ROUTE_NAME = propertyKey("xds.route_name");
const SOURCE_ADDRESS = propertyKey("source.address");
const SOURCE_PORT = propertyKey("source.port");
const REQUEST_ID = propertyKey("request.id");
const PROTOCOL = propertyKey("request.protocol");

/** An int64 property (ABI: 8 bytes little-endian) for a non-negative safe integer. */
function int64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  let rest = value;
  for (let i = 0; i < 7 && rest > 0; i++) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

/** Route names repeat on every request of a route: their encodings are kept (bounded). */
const routeNameBytes = new Map<string, Uint8Array>();
const MAX_KEPT_ROUTE_NAMES = 4096;

function encodedRouteName(name: string): Uint8Array {
  let bytes = routeNameBytes.get(name);
  if (bytes === undefined) {
    if (routeNameBytes.size >= MAX_KEPT_ROUTE_NAMES) routeNameBytes.clear();
    bytes = encodeUtf8(name);
    routeNameBytes.set(name, bytes);
  }
  return bytes;
}

export class RequestAttributes implements PropertySource {
  private routeName: Uint8Array | undefined;
  private sourceAddress: Uint8Array | undefined;
  private sourcePort: Uint8Array | undefined;
  private requestId: Uint8Array | undefined;
  private protocol: Uint8Array | undefined;

  constructor(private readonly info: RequestInfo) {}

  get(key: string): Uint8Array | undefined {
    switch (key) {
      case ROUTE_NAME: return (this.routeName ??= encodedRouteName(this.info.routeName));
      case SOURCE_ADDRESS: return (this.sourceAddress ??= encodeUtf8(this.info.sourceAddress));
      case SOURCE_PORT: return (this.sourcePort ??= int64(this.info.sourcePort));
      case REQUEST_ID: return (this.requestId ??= encodeUtf8(this.info.requestId));
      case PROTOCOL: return (this.protocol ??= encodeUtf8(this.info.protocol));
      default: return this.info.routeMetadata?.get(key);
    }
  }
}

/** The attributes of `info`'s request, made by its first Wasm filter and kept on the RequestInfo. */
export function requestAttributes(info: RequestInfo): PropertySource {
  return (info.attributes ??= new RequestAttributes(info));
}
