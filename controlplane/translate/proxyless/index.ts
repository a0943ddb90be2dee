// Proxyless gRPC output: for routes whose Mapping sets `grpc: true`, the
// resources a gRPC client with an xDS resolver needs to route `xds:///<authority>` calls the
// way the gateway would — same header matches, weights, retries and timeouts, no sidecar
// (docs/xds.md "What gRPC's xDS clients need"):
// - a Listener named by the authority with `api_listener` = HttpConnectionManager using RDS
//   over ADS and the router filter;
// - a RouteConfiguration `attache-grpc/<authority>` with one virtual host for that authority;
// - per backend an EDS Cluster `attache-grpc/<cluster>` (ROUND_ROBIN or RING_HASH) and its
//   ClusterLoadAssignment (one weighted locality of IP literals), or a LOGICAL_DNS cluster for
//   a single hostname.
// Authorities: every exact domain of the Host; for Hosts without one (the catch-all), the
// Kubernetes service name of each backend, `<service>.<namespace>.svc.cluster.local:<port>`,
// carrying the gRPC routes that reach that service.
// Pure and memoized per IR object like the rest of the translator.
import { isIP } from "node:net";
import type { ClusterIR, GatewayIR, RouteIR, VirtualHostIR } from "../../ir/types.ts";
import { perObject } from "../memo.ts";
import { msToProtoDuration } from "../../../protos/duration.ts";
import { ADS_SOURCE, packAny, emptyResources, TYPE, type XdsResources } from "../resources.ts";
import { grpcCompatible, grpcRoute, PROXYLESS_PREFIX, proxylessClusterName } from "./routes.ts";
import type { Cluster_LbPolicyJson, ClusterJson } from "../../../protos/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { EndpointJson } from "../../../protos/gen/envoy/config/endpoint/v3/endpoint_components_pb.ts";
import type { ClusterLoadAssignmentJson } from "../../../protos/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import type { ListenerJson } from "../../../protos/gen/envoy/config/listener/v3/listener_pb.ts";
import type { RouteJson } from "../../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { RouteConfigurationJson } from "../../../protos/gen/envoy/config/route/v3/route_pb.ts";
import { RouterSchema } from "../../../protos/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { HttpConnectionManagerSchema, type HttpFilterJson } from "../../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

export { PROXYLESS_PREFIX, proxylessClusterName } from "./routes.ts";
export const proxylessRouteConfigName = (authority: string): string => `${PROXYLESS_PREFIX}${authority}`;

const ROUTER: HttpFilterJson = { name: "envoy.filters.http.router", typed_config: packAny(RouterSchema, {}) };

const isExactDomain = (domain: string): boolean => !domain.includes("*");

/** "<namespace>/<service>:<port>" (ClusterIR naming for Kubernetes services) -> DNS authority. */
export function serviceAuthority(clusterName: string): string | undefined {
  // The model names Kubernetes clusters "<ns>/<svc>:<port>", plus "#<hash>" when a Mapping
  // gives the cluster non-default settings (one cluster per distinct settings).
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+):(\d+)(?:#[0-9a-z]+)?$/.exec(clusterName);
  return m ? `${m[2]}.${m[1]}.svc.cluster.local:${m[3]}` : undefined;
}

const listeners = new Map<string, ListenerJson>();
function apiListener(authority: string): ListenerJson {
  let listener = listeners.get(authority);
  if (!listener) {
    listener = apiListenerJson(authority);
    listeners.set(authority, listener);
  }
  return listener;
}

function apiListenerJson(authority: string): ListenerJson {
  return {
    name: authority,
    api_listener: {
      api_listener: packAny(HttpConnectionManagerSchema, {
        stat_prefix: authority,
        rds: { route_config_name: proxylessRouteConfigName(authority), config_source: ADS_SOURCE },
        http_filters: [ROUTER],
      }),
    },
  };
}

/** Per (routes list, authority): unchanged Hosts give the same objects (===), which the xDS
 *  cache then does not encode again. */
const routeConfigs = new WeakMap<RouteIR[], Map<string, RouteConfigurationJson>>();
function routeConfiguration(authority: string, routes: RouteIR[]): RouteConfigurationJson {
  let byAuthority = routeConfigs.get(routes);
  if (!byAuthority) routeConfigs.set(routes, (byAuthority = new Map()));
  let config = byAuthority.get(authority);
  if (!config) {
    config = { name: proxylessRouteConfigName(authority), virtual_hosts: [{ name: authority, domains: [authority], routes: routes.map(translateRoute) }] };
    byAuthority.set(authority, config);
  }
  return config;
}

/** The gRPC routes of a Host by authority (memoized per VirtualHostIR). */
const hostAuthorities = perObject((vhost: VirtualHostIR): Map<string, RouteIR[]> => {
  const routes = vhost.routes.filter(grpcCompatible);
  const out = new Map<string, RouteIR[]>();
  if (!routes.length) return out;
  const exact = vhost.domains.filter(isExactDomain);
  if (exact.length) {
    for (const domain of exact) out.set(domain, routes);
    return out;
  }
  for (const route of routes) {
    if (route.action.kind !== "route") continue;
    for (const backend of route.action.backends) {
      const authority = serviceAuthority(backend.cluster);
      if (!authority) continue;
      const list = out.get(authority) ?? [];
      if (!list.includes(route)) list.push(route);
      out.set(authority, list);
    }
  }
  return out;
});

const translateRoute = perObject((route: RouteIR): RouteJson => grpcRoute(route as RouteIR & { action: never }));

const LB = (ir: ClusterIR): Cluster_LbPolicyJson => (ir.lbPolicy === "ring_hash" || ir.lbPolicy === "maglev" ? "RING_HASH" : "ROUND_ROBIN");

const socketAddress = (address: string, port: number): EndpointJson => ({ address: { socket_address: { address, port_value: port } } });

/** Cluster (+ ClusterLoadAssignment for EDS) for one backend, memoized per ClusterIR. */
const translateCluster = perObject((ir: ClusterIR): { cluster: ClusterJson; loadAssignment?: ClusterLoadAssignmentJson } => {
  const name = proxylessClusterName(ir.name);
  const ready = ir.endpoints.filter((e) => e.ready);
  const base: ClusterJson = { name, connect_timeout: msToProtoDuration(ir.connectTimeoutMs), lb_policy: LB(ir) };
  if (ir.circuitBreakers?.maxRequests !== undefined) {
    // gRFC A32: gRPC honours max_requests only.
    base.circuit_breakers = { thresholds: [{ priority: "DEFAULT", max_requests: ir.circuitBreakers.maxRequests }] };
  }
  const hostnames = ready.filter((e) => !isIP(e.address));
  if (hostnames.length === 1 && ready.length === 1) {
    // gRFC A37: a LOGICAL_DNS cluster has exactly one endpoint, resolved by the client.
    const e = hostnames[0];
    return { cluster: { ...base, type: "LOGICAL_DNS", load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: socketAddress(e.address, e.port) }] }] } } };
  }
  const ips = ready.filter((e) => isIP(e.address));
  return {
    cluster: { ...base, type: "EDS", eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name } },
    loadAssignment: {
      cluster_name: name,
      // grpc-js-xds drops localities without `locality` or `load_balancing_weight`.
      endpoints: ips.length ? [{ locality: { zone: "attache" }, load_balancing_weight: 1, lb_endpoints: ips.map((e) => ({ endpoint: socketAddress(e.address, e.port), health_status: "HEALTHY" })) }] : [],
    },
  };
});

/** Extra resources for proxyless gRPC clients; empty when no route sets `grpc`. */
export function translateProxyless(ir: GatewayIR): XdsResources {
  const out = emptyResources();
  const clustersByName = new Map(ir.clusters.map((c) => [c.name, c]));
  const used = new Set<string>();
  for (const vhost of ir.virtualHosts) {
    for (const [authority, routes] of hostAuthorities(vhost)) {
      if (out[TYPE.listener].has(authority)) continue; // first Host claiming an authority wins
      out[TYPE.listener].set(authority, apiListener(authority));
      out[TYPE.routeConfiguration].set(proxylessRouteConfigName(authority), routeConfiguration(authority, routes));
      for (const route of routes) if (route.action.kind === "route") for (const b of route.action.backends) used.add(b.cluster);
    }
  }
  for (const name of used) {
    const ir = clustersByName.get(name);
    if (!ir) continue; // the model reports unknown clusters (translate/consistency.ts)
    const translated = translateCluster(ir);
    out[TYPE.cluster].set(proxylessClusterName(name), translated.cluster);
    if (translated.loadAssignment) out[TYPE.clusterLoadAssignment].set(proxylessClusterName(name), translated.loadAssignment);
  }
  return out;
}
