// Hand-made Envoy resources (proto3 JSON) for the xDS server tests, shaped like the
// translator's output (controlplane/translate) but small and easy to vary.
import { TYPE_URL } from "../../controlplane/xds/types.ts";
import { emptyResources } from "../../protos/type-urls.ts";
import type { XdsResources } from "../../controlplane/xds/snapshot.ts";

const ADS = { ads: {}, resource_api_version: "V3" };
const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };

export function listener(name: string, routeConfig: string, port = 8080): any {
  return {
    name,
    address: { socket_address: { address: "0.0.0.0", port_value: port } },
    filter_chains: [{
      filters: [{
        name: "envoy.filters.network.http_connection_manager",
        typed_config: { "@type": HCM, stat_prefix: name, rds: { route_config_name: routeConfig, config_source: ADS }, http_filters: [ROUTER] },
      }],
    }],
  };
}

/** A proxyless gRPC Listener (api_listener), as controlplane/translate/proxyless emits. */
export function apiListener(authority: string, routeConfig: string): any {
  return {
    name: authority,
    api_listener: { api_listener: { "@type": HCM, stat_prefix: authority, rds: { route_config_name: routeConfig, config_source: ADS }, http_filters: [ROUTER] } },
  };
}

export function routeConfig(name: string, cluster: string, prefix = "/"): any {
  return { name, virtual_hosts: [{ name, domains: ["*"], routes: [{ match: { prefix }, route: { cluster } }] }] };
}

export function cluster(name: string, connectTimeout = "1s"): any {
  return { name, type: "EDS", connect_timeout: connectTimeout, lb_policy: "ROUND_ROBIN", eds_cluster_config: { eds_config: ADS, service_name: name } };
}

export function loadAssignment(name: string, ports: number[]): any {
  return {
    cluster_name: name,
    endpoints: [{ load_balancing_weight: 1, lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } })) }],
  };
}

/** A small snapshot: two clusters with endpoints, one listener and two route configurations. */
export function baseResources(): XdsResources {
  return resources({
    clusters: { a: [9001], b: [9002] },
    listeners: { "attache-http": "routes-a" },
    routes: { "routes-a": "a", "routes-b": "b" },
  });
}

export function resources(spec: {
  clusters?: Record<string, number[]>;
  listeners?: Record<string, string>;
  routes?: Record<string, string>;
}): XdsResources {
  const out: XdsResources = emptyResources();
  for (const [name, ports] of Object.entries(spec.clusters ?? {})) {
    out[TYPE_URL.cluster].set(name, cluster(name));
    out[TYPE_URL.clusterLoadAssignment].set(name, loadAssignment(name, ports));
  }
  for (const [name, rc] of Object.entries(spec.listeners ?? {})) out[TYPE_URL.listener].set(name, listener(name, rc));
  for (const [name, c] of Object.entries(spec.routes ?? {})) out[TYPE_URL.routeConfiguration].set(name, routeConfig(name, c));
  return out;
}
