// The HTTP filter chain of the local data plane. Each HCM http_filter the proxy knows is
// backed by a FilterFactory (Wasm filters through host/, see ../wasm/); a filter is active on
// a request when it is enabled in the HCM and not disabled for the route, or disabled in the
// HCM (`disabled: true`) and switched on by the route's typed_per_filter_config FilterConfig
// (http_connection_manager.proto HttpFilter.disabled; route_components.proto FilterConfig).

import type { PropertySource } from "../../host/index.ts";

/** Lower-case header pairs in wire order; filters edit them in place. */
export type HeaderPairs = Array<[string, string]>;

export interface LocalReply {
  status: number;
  headers: HeaderPairs;
  body: string | Buffer;
}

export type FilterResult = { kind: "continue" } | { kind: "reply"; reply: LocalReply };

export interface DownstreamConnection {
  /** Unique in the process (connection.id). */
  id: number;
  /** The address the client connected to (destination.address is "address:port"). */
  localAddress: string;
  localPort: number;
  /** TLS only: the SNI name, the protocol version ("TLSv1.3"), whether the client sent a certificate. */
  tls?: { serverName: string; version: string; peerCertificate: boolean };
}

export interface RequestInfo {
  routeName: string;
  /** The route's metadata as Wasm properties (config/route-metadata.ts). */
  routeMetadata?: ReadonlyMap<string, Uint8Array>;
  /** "ip:port" of the downstream client. */
  sourceAddress: string;
  sourcePort: number;
  requestId: string;
  method: string;
  path: string;
  host: string;
  protocol: string;
  /** The downstream connection (Envoy's destination.* and connection.* attributes). */
  connection: DownstreamConnection;
  /** The selected virtual host's name (xds.virtual_host_name). */
  virtualHostName: string;
  /** What the stream has learnt so far (Envoy's StreamInfo): the cluster once the route's
   *  cluster is known, the upstream host once picked, "host:port". The access log entry. */
  stream: { cluster?: string; upstream?: string };
  /**
   * Envoy's attributes of this request as Wasm filters read them, made by the first Wasm
   * filter that runs and shared by the rest (../wasm/request-properties.ts).
   */
  attributes?: PropertySource;
}

/** One filter's per-request instance (an HTTP context). */
export interface HttpFilterInstance {
  onRequestHeaders(headers: HeaderPairs, endOfStream: boolean): FilterResult | Promise<FilterResult>;
  onResponseHeaders(headers: HeaderPairs, endOfStream: boolean): FilterResult | Promise<FilterResult>;
  /** Stream finished (after the access log point); release resources. */
  onDone(): void;
}

export interface FilterFactory {
  readonly name: string;
  createInstance(info: RequestInfo): HttpFilterInstance;
}

export const CONTINUE: FilterResult = { kind: "continue" };

export function headerGet(headers: HeaderPairs, name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}

export function headerSet(headers: HeaderPairs, name: string, value: string): void {
  const i = headers.findIndex(([k]) => k === name);
  if (i < 0) headers.push([name, value]);
  else {
    headers[i] = [name, value];
    for (let j = headers.length - 1; j > i; j--) if (headers[j][0] === name) headers.splice(j, 1);
  }
}

export function headerRemove(headers: HeaderPairs, name: string): void {
  for (let j = headers.length - 1; j >= 0; j--) if (headers[j][0] === name) headers.splice(j, 1);
}
