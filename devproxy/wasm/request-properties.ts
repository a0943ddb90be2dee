// The per-request Envoy attributes a Wasm filter reads with proxy_get_property
// (docs/proxy-wasm-abi.md "Properties"; Envoy's attribute list, "Attributes" in its docs):
// xds.route_name, xds.virtual_host_name, xds.cluster_name (once the route's cluster is known),
// the string fields of xds.route_metadata, source.address/port, destination.address/port,
// connection.id/mtls/requested_server_name (and tls_version on TLS), upstream.address/port
// (once the upstream is picked), request.id and request.protocol, encoded as Envoy hands them
// over (strings raw, integers 8-byte little-endian, booleans one byte). request.* and
// response.* read from the header maps are the host's (host/properties.ts). One RequestAttributes serves every Wasm filter of a request (host
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
const DESTINATION_ADDRESS = propertyKey("destination.address");
const DESTINATION_PORT = propertyKey("destination.port");
const CONNECTION_ID = propertyKey("connection.id");
const CONNECTION_MTLS = propertyKey("connection.mtls");
const CONNECTION_SNI = propertyKey("connection.requested_server_name");
const CONNECTION_TLS_VERSION = propertyKey("connection.tls_version");
const VIRTUAL_HOST_NAME = propertyKey("xds.virtual_host_name");
const CLUSTER_NAME = propertyKey("xds.cluster_name");
const UPSTREAM_ADDRESS = propertyKey("upstream.address");
const UPSTREAM_PORT = propertyKey("upstream.port");
const TRUE = Uint8Array.of(1);
const FALSE = Uint8Array.of(0);

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

/** Route, virtual host and cluster names repeat on every request: their encodings are kept (bounded). */
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
      case VIRTUAL_HOST_NAME: return encodedRouteName(this.info.virtualHostName);
      case DESTINATION_ADDRESS: return encodeUtf8(`${this.info.connection.localAddress}:${this.info.connection.localPort}`);
      case DESTINATION_PORT: return int64(this.info.connection.localPort);
      case CONNECTION_ID: return int64(this.info.connection.id);
      case CONNECTION_MTLS: return this.info.connection.tls?.peerCertificate ? TRUE : FALSE;
      case CONNECTION_SNI: return encodeUtf8(this.info.connection.tls?.serverName ?? "");
      case CONNECTION_TLS_VERSION: return this.info.connection.tls && encodeUtf8(this.info.connection.tls.version);
      // The stream's cluster and upstream change while the request runs: read when asked.
      case CLUSTER_NAME: return this.info.stream.cluster === undefined ? undefined : encodedRouteName(this.info.stream.cluster);
      case UPSTREAM_ADDRESS: return this.info.stream.upstream === undefined ? undefined : encodeUtf8(this.info.stream.upstream);
      case UPSTREAM_PORT: {
        const upstream = this.info.stream.upstream;
        return upstream === undefined ? undefined : int64(Number(upstream.slice(upstream.lastIndexOf(":") + 1)));
      }
      default: return this.info.routeMetadata?.get(key);
    }
  }
}

/** The attributes of `info`'s request, made by its first Wasm filter and kept on the RequestInfo. */
export function requestAttributes(info: RequestInfo): PropertySource {
  return (info.attributes ??= new RequestAttributes(info));
}
