// Listeners (config/listener/v3): `attache-http` on the HTTP port, one HCM whose routes come
// over RDS `attache-http` or scoped per Host (scopedroutes.ts); `attache-https` on the HTTPS port with the TLS inspector
// and one filter chain per TLS Host: SNI match, DownstreamTlsContext with the certificate
// over SDS, ALPN, and an HCM using RDS `attache-https/<vhost>`. No default filter chain: a
// ClientHello without a server name, or with one no Host serves, matches no chain and Envoy
// closes the connection before presenting any certificate (stat `no_filter_chain_match`), so
// no Host's certificate or routes answer under another name.
import type { GatewayIR, HostTlsIR, VirtualHostIR } from "../ir/types.ts";
import { httpConnectionManager } from "./hcm.ts";
import { lastResult, perObject } from "./memo.ts";
import { httpRouteSpecifier, type HttpRouteLayout } from "./scopedroutes.ts";
import { ADS_SOURCE, packAny, HTTP_LISTENER, HTTPS_LISTENER, httpsRouteConfigName } from "./resources.ts";
import type { AddressJson } from "../../protos/gen/envoy/config/core/v3/address_pb.ts";
import type { TransportSocketJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import type { FilterChainJson } from "../../protos/gen/envoy/config/listener/v3/listener_components_pb.ts";
import type { ListenerJson } from "../../protos/gen/envoy/config/listener/v3/listener_pb.ts";
import { TlsInspectorSchema } from "../../protos/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { TlsParameters_TlsProtocolJson, TlsParametersJson } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.ts";
import { DownstreamTlsContextSchema, type CommonTlsContextJson, type DownstreamTlsContextJson } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";

const TLS_VERSION = { "1.2": "TLSv1_2", "1.3": "TLSv1_3" } as const satisfies Record<string, TlsParameters_TlsProtocolJson>;

function listenAddress(ir: GatewayIR, port: number): AddressJson {
  return { socket_address: { address: ir.listeners.address ?? "0.0.0.0", port_value: port } };
}

const lastHttpListener = lastResult<ListenerJson>();

/** `layout`: how the HCM finds its routes (scopedroutes.ts). */
export function httpListener(ir: GatewayIR, filters: HttpFilterJson[], layout: HttpRouteLayout): ListenerJson {
  return lastHttpListener([ir.listeners.http, ir.listeners.address, filters, layout], () => ({
    name: HTTP_LISTENER,
    address: listenAddress(ir, ir.listeners.http),
    filter_chains: [{ filters: [httpConnectionManager("http", httpRouteSpecifier(layout), filters)] }],
  }));
}

function downstreamTls(tls: HostTlsIR): TransportSocketJson {
  const params: TlsParametersJson = {};
  if (tls.minVersion) params.tls_minimum_protocol_version = TLS_VERSION[tls.minVersion];
  if (tls.maxVersion) params.tls_maximum_protocol_version = TLS_VERSION[tls.maxVersion];
  const common: CommonTlsContextJson = {
    tls_certificate_sds_secret_configs: [{ name: tls.secretName, sds_config: ADS_SOURCE }],
    alpn_protocols: tls.alpn.length ? [...tls.alpn] : ["h2", "http/1.1"],
  };
  if (Object.keys(params).length) common.tls_params = params;
  const context: DownstreamTlsContextJson = { common_tls_context: common };
  if (tls.clientCa) {
    // Mutual TLS: a presented client certificate must chain to the CA secret (SDS); with
    // require_client_certificate a handshake without one fails. Written even when false:
    // Envoy warns that its default (false) with a validation context will change.
    common.validation_context_sds_secret_config = { name: tls.clientCa.secretName, sds_config: ADS_SOURCE };
    context.require_client_certificate = tls.clientCa.required;
  }
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: packAny(DownstreamTlsContextSchema, context),
  };
}

function buildTlsFilterChain(vhost: VirtualHostIR, filters: HttpFilterJson[]): FilterChainJson {
  const tls = vhost.tls!;
  return {
    name: vhost.name,
    filter_chain_match: { server_names: [...tls.serverNames] },
    filters: [httpConnectionManager(`https.${vhost.name.replace(/[^A-Za-z0-9_.-]/g, "_")}`, httpsRouteConfigName(vhost.name), filters)],
    transport_socket: downstreamTls(tls),
  };
}

/** A filter chain depends on the Host's name and TLS settings, not on its routes: keyed by
 *  that content (not by the VirtualHostIR, which is new whenever a route changes), chains
 *  survive route edits, so the Listener keeps its identity — any Listener change makes Envoy
 *  drain every connection on it (envoyproxy/envoy#35085). Entries not used by the last translation go. */
let chainCache = new Map<string, { filters: HttpFilterJson[]; chain: FilterChainJson }>();

const chainKey = perObject((vhost: VirtualHostIR): string => `${vhost.name}\n${JSON.stringify(vhost.tls)}`);

function tlsFilterChains(vhosts: VirtualHostIR[], filters: HttpFilterJson[]): FilterChainJson[] {
  const next = new Map<string, { filters: HttpFilterJson[]; chain: FilterChainJson }>();
  const chains: FilterChainJson[] = [];
  for (const vhost of vhosts) {
    const key = chainKey(vhost);
    const hit = chainCache.get(key) ?? next.get(key);
    const entry = hit && hit.filters === filters ? hit : { filters, chain: buildTlsFilterChain(vhost, filters) };
    next.set(key, entry);
    chains.push(entry.chain);
  }
  chainCache = next;
  return chains;
}

const lastHttpsListener = lastResult<ListenerJson>();

/** Undefined when no Host has TLS: Envoy rejects a listener without filter chains. Server
 *  names already claimed by an earlier Host are dropped (Envoy rejects a listener with two
 *  chains matching the same name); irProblems() reports them. */
export function httpsListener(ir: GatewayIR, filters: HttpFilterJson[]): ListenerJson | undefined {
  const withTls: VirtualHostIR[] = [];
  const claimed = new Set<string>();
  for (const vhost of ir.virtualHosts) {
    if (!vhost.tls) continue;
    const free = vhost.tls.serverNames.filter((n) => !claimed.has(n));
    if (!free.length) continue;
    free.forEach((n) => claimed.add(n));
    withTls.push(free.length === vhost.tls.serverNames.length ? vhost : { ...vhost, tls: { ...vhost.tls, serverNames: free } });
  }
  const chains = tlsFilterChains(withTls, filters);
  if (!chains.length) return undefined;
  return lastHttpsListener([ir.listeners.https, ir.listeners.address, ...chains], () => ({
    name: HTTPS_LISTENER,
    address: listenAddress(ir, ir.listeners.https),
    listener_filters: [{
      name: "envoy.filters.listener.tls_inspector",
      typed_config: packAny(TlsInspectorSchema, {}),
    }],
    filter_chains: chains,
  }));
}
