// Listeners (listener.proto) and their HTTP connection managers
// (http_connection_manager.proto) in the subset the translator emits: a plain listener with
// one HCM, or a TLS listener with one filter chain per SNI set; RDS, scoped RDS (scopes.ts) or
// inline routes; an ordered http_filters list whose Wasm entries come from ECDS
// (config_discovery).
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import { protoDurationToMs } from "../../protos/duration.ts";
import type { ListenerJson } from "../../protos/gen/envoy/config/listener/v3/listener_pb.ts";
import type { RouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/route_pb.ts";
import { HTTPFaultSchema } from "../../protos/gen/envoy/extensions/filters/http/fault/v3/fault_pb.ts";
import { RouterSchema } from "../../protos/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import {
  HttpConnectionManagerSchema, type HttpConnectionManagerJson,
} from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { DownstreamTlsContextSchema } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { unpackAny } from "../../protos/json.ts";
import type { EscapedSlashesAction } from "../proxy/path-normalize.ts";
import { compileScopedRoutes, type ScopedRoutesConfig } from "./scopes.ts";

export interface HttpFilterConfig {
  name: string;
  disabled: boolean;
  /** ECDS resource name (TypedExtensionConfig) when config_discovery is used. */
  discovered: boolean;
  typedConfig?: AnyJson;
  /** What the filter does until its ECDS config is there (config_discovery.default_config). */
  fallback?: FilterFallback;
}

/** The default configs the control plane emits (translate/wasm.ts): an HTTPFault that aborts
 *  every request with a status (a FAIL_CLOSED filter) or does nothing (FAIL_OPEN). */
export type FilterFallback = { kind: "abort"; status: number } | { kind: "pass" };

function compileFallback(defaultConfig: AnyJson | undefined, where: string): FilterFallback | undefined {
  if (defaultConfig === undefined) return undefined;
  const config = unpackAny(defaultConfig, HTTPFaultSchema);
  if (!config) throw new Error(`${where}: only an HTTPFault default config is supported`);
  const unsupported = Object.keys(config).filter((k) => k !== "@type" && k !== "abort");
  if (unsupported.length) throw new Error(`${where}.${unsupported[0]}: not supported`);
  if (!config.abort) return { kind: "pass" };
  const pct = config.abort.percentage;
  if (typeof config.abort.http_status !== "number" || pct?.numerator !== 100 || (pct.denominator ?? "HUNDRED") !== "HUNDRED") {
    throw new Error(`${where}.abort: only an http_status for 100% of requests is supported`);
  }
  return { kind: "abort", status: config.abort.http_status };
}

/** The HCM's codec limits and timeouts, with Envoy's defaults for what is unset
 *  (http_connection_manager.proto, core/v3/protocol.proto HttpProtocolOptions). */
export interface HcmLimits {
  maxRequestHeadersKb: number;
  maxHeadersCount: number;
  headersWithUnderscoresAction: "ALLOW" | "REJECT_REQUEST" | "DROP_HEADER";
  /** 0: off (Envoy's default). */
  requestHeadersTimeoutMs: number;
  streamIdleTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface HcmConfig {
  routeConfigName?: string;
  inlineRouteConfig?: RouteConfigurationJson;
  /** Scoped routes: the RouteConfiguration comes from the scope the request's key selects. */
  scoped?: ScopedRoutesConfig;
  filters: HttpFilterConfig[];
  stripPort: boolean;
  /** normalize_path / merge_slashes / path_with_escaped_slashes_action: the path is
   *  canonicalized before routing (proxy/path-normalize.ts). */
  normalizePath: boolean;
  mergeSlashes: boolean;
  escapedSlashesAction: EscapedSlashesAction;
  /** http_protocol_options.accept_http_10: otherwise HTTP/1.0 requests get 426. */
  acceptHttp10: boolean;
  accessLog: boolean;
  limits: HcmLimits;
}

export interface TlsChain {
  serverNames: string[];
  secretName: string;
  alpn: string[];
  /** Mutual TLS: the validation-context secret and whether a client certificate is required. */
  clientCa?: { secretName: string; required: boolean };
  hcm: HcmConfig;
}

export interface ListenerConfig {
  name: string;
  address: string;
  port: number;
  plain?: HcmConfig;
  tlsChains: TlsChain[];
}

const ESCAPED_SLASHES_ACTIONS = ["KEEP_UNCHANGED", "REJECT_REQUEST", "UNESCAPE_AND_REDIRECT", "UNESCAPE_AND_FORWARD"] as const;

/** IMPLEMENTATION_SPECIFIC_DEFAULT (unset) is KEEP_UNCHANGED in Envoy. */
function escapedSlashesAction(value: unknown, where: string): EscapedSlashesAction {
  if (value === undefined || value === "IMPLEMENTATION_SPECIFIC_DEFAULT") return "KEEP_UNCHANGED";
  const known = ESCAPED_SLASHES_ACTIONS.find((a) => a === value);
  if (!known) throw new Error(`${where}.path_with_escaped_slashes_action: unknown value ${JSON.stringify(value)}`);
  return known;
}

function compileHcm(typedConfig: AnyJson | undefined, where: string): HcmConfig {
  const typed = unpackAny(typedConfig, HttpConnectionManagerSchema);
  if (!typed) throw new Error(`${where}: only the HTTP connection manager is supported`);
  if (!typed.rds && !typed.route_config && !typed.scoped_routes) throw new Error(`${where}: needs rds, scoped_routes or route_config`);
  const filters: HttpFilterConfig[] = (typed.http_filters ?? []).map((f, i) => ({
    name: f.name ?? "",
    disabled: Boolean(f.disabled),
    discovered: Boolean(f.config_discovery),
    typedConfig: f.typed_config,
    fallback: compileFallback(f.config_discovery?.default_config, `${where}.http_filters[${i}].config_discovery.default_config`),
  }));
  const last = filters.at(-1);
  if (!last || !(last.name === "envoy.filters.http.router" || unpackAny(last.typedConfig, RouterSchema))) {
    throw new Error(`${where}.http_filters: the router filter must be last`);
  }
  return {
    routeConfigName: typed.rds?.route_config_name,
    inlineRouteConfig: typed.route_config,
    scoped: typed.scoped_routes ? compileScopedRoutes(typed.scoped_routes, where) : undefined,
    filters: filters.slice(0, -1),
    stripPort: Boolean(typed.strip_any_host_port),
    normalizePath: Boolean(typed.normalize_path),
    mergeSlashes: Boolean(typed.merge_slashes),
    escapedSlashesAction: escapedSlashesAction(typed.path_with_escaped_slashes_action, where),
    acceptHttp10: Boolean(typed.http_protocol_options?.accept_http_10),
    accessLog: (typed.access_log ?? []).length > 0,
    limits: compileLimits(typed),
  };
}

function compileLimits(typed: HttpConnectionManagerJson): HcmLimits {
  const common = typed.common_http_protocol_options ?? {};
  const ms = (value: string | undefined, fallback: number) => (value === undefined ? fallback : protoDurationToMs(value));
  return {
    maxRequestHeadersKb: typed.max_request_headers_kb ?? 60,
    maxHeadersCount: common.max_headers_count ?? 100,
    headersWithUnderscoresAction: common.headers_with_underscores_action ?? "ALLOW",
    requestHeadersTimeoutMs: ms(typed.request_headers_timeout, 0),
    streamIdleTimeoutMs: ms(typed.stream_idle_timeout, 300_000),
    idleTimeoutMs: ms(common.idle_timeout, 3_600_000),
  };
}

export function compileListener(l: ListenerJson): ListenerConfig {
  const name = l.name ?? "";
  const where = `Listener ${name}`;
  const sa = l.address?.socket_address;
  if (!sa) throw new Error(`${where}.address: needs socket_address`);
  const out: ListenerConfig = { name, address: sa.address ?? "0.0.0.0", port: sa.port_value ?? 0, tlsChains: [] };
  (l.filter_chains ?? []).forEach((chain, i) => {
    const cw = `${where}.filter_chains[${i}]`;
    const hcmFilter = (chain.filters ?? []).find((f) => unpackAny(f.typed_config, HttpConnectionManagerSchema));
    if (!hcmFilter) throw new Error(`${cw}.filters: no http_connection_manager`);
    const hcm = compileHcm(hcmFilter.typed_config, `${cw}.filters.http_connection_manager`);
    const tlsConfig = chain.transport_socket?.typed_config;
    if (tlsConfig) {
      const tls = unpackAny(tlsConfig, DownstreamTlsContextSchema);
      if (!tls) throw new Error(`${cw}.transport_socket: only DownstreamTlsContext is supported`);
      const sds = tls.common_tls_context?.tls_certificate_sds_secret_configs?.[0]?.name;
      if (!sds) throw new Error(`${cw}.transport_socket: needs tls_certificate_sds_secret_configs`);
      const ca = tls.common_tls_context?.validation_context_sds_secret_config?.name;
      const required = tls.require_client_certificate === true;
      if (required && !ca) throw new Error(`${cw}.transport_socket: require_client_certificate needs validation_context_sds_secret_config`);
      out.tlsChains.push({
        serverNames: chain.filter_chain_match?.server_names ?? [],
        secretName: sds,
        alpn: tls.common_tls_context?.alpn_protocols ?? ["h2", "http/1.1"],
        clientCa: ca ? { secretName: ca, required } : undefined,
        hcm,
      });
    } else {
      if (out.plain) throw new Error(`${cw}: more than one plain-text filter chain`);
      out.plain = hcm;
    }
  });
  if (!out.plain && out.tlsChains.length === 0) throw new Error(`${where}.filter_chains: empty`);
  return out;
}

/** Every RDS name, SDS secret and ECDS filter config a listener needs. */
export function listenerDependencies(l: ListenerConfig): { routes: string[]; secrets: string[]; extensions: string[] } {
  const hcms = [...(l.plain ? [l.plain] : []), ...l.tlsChains.map((c) => c.hcm)];
  return {
    routes: hcms.flatMap((h) => (h.routeConfigName ? [h.routeConfigName] : [])),
    secrets: l.tlsChains.flatMap((c) => (c.clientCa ? [c.secretName, c.clientCa.secretName] : [c.secretName])),
    extensions: hcms.flatMap((h) => h.filters.filter((f) => f.discovered).map((f) => f.name)),
  };
}
