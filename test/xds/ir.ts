// Hand-made GatewayIR for the proxyless output and the grpc-js-xds conformance tests.
import type { ClusterIR, GatewayIR, RouteActionIR, RouteIR, RouteMatchIR, VirtualHostIR } from "../../controlplane/ir/types.ts";

const ref = (name: string) => ({ kind: "Mapping", namespace: "default", name });

export function grpcRoute(name: string, match: Partial<RouteMatchIR>, backends: Array<[cluster: string, weight: number]>, action: Partial<RouteActionIR> = {}): RouteIR {
  return {
    name: `default/${name}`,
    sources: [ref(name)],
    match: { caseSensitive: true, headers: [], queryParameters: [], grpc: true, prefix: "/", ...match },
    action: {
      kind: "route",
      backends: backends.map(([cluster, weight]) => ({ cluster, weight, source: ref(name) })),
      timeoutMs: 3000,
      headers: { requestAdd: [], requestRemove: [], responseAdd: [], responseRemove: [] },
      mirrors: [],
      upgrades: [],
      ...action,
    },
    filters: [],
  };
}

export function host(name: string, domains: string[], routes: RouteIR[]): VirtualHostIR {
  return { name: `default/${name}`, domains, insecure: "Route", routes };
}

export function service(name: string, ports: number[], over: Partial<ClusterIR> = {}): ClusterIR {
  return {
    name: `default/${name}:50051`,
    discovery: "eds",
    endpoints: ports.map((port) => ({ address: "127.0.0.1", port, ready: true })),
    protocol: "http2",
    connectTimeoutMs: 1000,
    lbPolicy: "round_robin",
    sources: [{ kind: "Service", namespace: "default", name }],
    ...over,
  };
}

export function gateway(virtualHosts: VirtualHostIR[], clusters: ClusterIR[]): GatewayIR {
  return {
    listeners: { http: 8080, https: 8443 },
    virtualHosts,
    clusters,
    wasmFilters: [],
    secrets: [],
    moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: 8878 },
  };
}
