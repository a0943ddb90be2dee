// Listeners (listener.proto) and their HTTP connection managers
// (http_connection_manager.proto) in the subset the translator emits: a plain listener with
// one HCM, or a TLS listener with one filter chain per SNI set; RDS or inline routes; an
// ordered http_filters list whose Wasm entries come from ECDS (config_discovery).
type Json = any;

const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

export interface HttpFilterConfig {
  name: string;
  disabled: boolean;
  /** ECDS resource name (TypedExtensionConfig) when config_discovery is used. */
  discovered: boolean;
  typedConfig?: Json;
}

export interface HcmConfig {
  routeConfigName?: string;
  inlineRouteConfig?: Json;
  filters: HttpFilterConfig[];
  stripPort: boolean;
  accessLog: boolean;
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

function compileHcm(typed: Json, where: string): HcmConfig {
  if (typed?.["@type"] !== HCM_TYPE) throw new Error(`${where}: only the HTTP connection manager is supported`);
  if (!typed.rds && !typed.route_config) throw new Error(`${where}: needs rds or route_config`);
  const filters: HttpFilterConfig[] = (typed.http_filters ?? []).map((f: Json) => ({
    name: f.name,
    disabled: Boolean(f.disabled),
    discovered: Boolean(f.config_discovery),
    typedConfig: f.typed_config,
  }));
  const last = filters.at(-1);
  if (!last || !(last.name === "envoy.filters.http.router" || last.typedConfig?.["@type"]?.endsWith("router.v3.Router"))) {
    throw new Error(`${where}.http_filters: the router filter must be last`);
  }
  return {
    routeConfigName: typed.rds?.route_config_name,
    inlineRouteConfig: typed.route_config,
    filters: filters.slice(0, -1),
    stripPort: Boolean(typed.strip_any_host_port),
    accessLog: (typed.access_log ?? []).length > 0,
  };
}

export function compileListener(l: Json): ListenerConfig {
  const where = `Listener ${l.name}`;
  const sa = l.address?.socket_address;
  if (!sa) throw new Error(`${where}.address: needs socket_address`);
  const out: ListenerConfig = { name: l.name, address: sa.address ?? "0.0.0.0", port: Number(sa.port_value ?? 0), tlsChains: [] };
  (l.filter_chains ?? []).forEach((chain: Json, i: number) => {
    const cw = `${where}.filter_chains[${i}]`;
    const hcmFilter = (chain.filters ?? []).find((f: Json) => f.typed_config?.["@type"] === HCM_TYPE);
    if (!hcmFilter) throw new Error(`${cw}.filters: no http_connection_manager`);
    const hcm = compileHcm(hcmFilter.typed_config, `${cw}.filters.http_connection_manager`);
    const tls = chain.transport_socket?.typed_config;
    if (tls) {
      if (tls["@type"] !== TLS_TYPE) throw new Error(`${cw}.transport_socket: only DownstreamTlsContext is supported`);
      const sds = tls.common_tls_context?.tls_certificate_sds_secret_configs?.[0]?.name;
      if (!sds) throw new Error(`${cw}.transport_socket: needs tls_certificate_sds_secret_configs`);
      const ca = tls.common_tls_context?.validation_context_sds_secret_config?.name;
      const required = tls.require_client_certificate === true || tls.require_client_certificate?.value === true;
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
