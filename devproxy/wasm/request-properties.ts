// The per-request Envoy attributes a Wasm filter reads with proxy_get_property
// (envoy-wasm-wiring.md "Properties"): xds.route_name, source.address, source.port,
// request.id and request.protocol, encoded as Envoy hands them over (strings raw, integers
// 8-byte little-endian). A request through N Wasm filters needs them N times; they are encoded
// once per request and the same bytes go into every filter's stream. Sharing is safe: the host
// only reads property values, and a module's proxy_set_property replaces the entry in its own
// stream's map rather than writing into the bytes.
import { encodeUtf8 } from "../../host/abi/utf8.ts";
import { propertyKey } from "../../host/index.ts";
import type { RequestInfo } from "../proxy/filters.ts";

// Property keys are fixed: join their paths once, not per request.
const ROUTE_NAME = propertyKey("xds.route_name");
const SOURCE_ADDRESS = propertyKey("source.address");
const SOURCE_PORT = propertyKey("source.port");
const REQUEST_ID = propertyKey("request.id");
const PROTOCOL = propertyKey("request.protocol");

export type EncodedProperties = ReadonlyArray<readonly [string, Uint8Array]>;

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

function encode(info: RequestInfo): EncodedProperties {
  return [
    [ROUTE_NAME, encodeUtf8(info.routeName)],
    [SOURCE_ADDRESS, encodeUtf8(info.sourceAddress)],
    [SOURCE_PORT, int64(info.sourcePort)],
    [REQUEST_ID, encodeUtf8(info.requestId)],
    [PROTOCOL, encodeUtf8(info.protocol)],
  ];
}

// The filters of one request are instantiated one after the other with the same RequestInfo,
// so remembering the last request is enough to share the encoding along the chain. Requests
// that interleave (a filter waiting for a callout) simply encode again: never wrong, only slower.
let lastInfo: RequestInfo | undefined;
let lastEncoded: EncodedProperties = [];

export function requestProperties(info: RequestInfo): EncodedProperties {
  if (info !== lastInfo) {
    lastEncoded = encode(info);
    lastInfo = info;
  }
  return lastEncoded;
}
