// Hand-made IR for the translator's unit tests and bench: small builders with the defaults
// the model produces, so each test states only what it is about.
import type {
  ClusterIR, GatewayIR, RouteActionIR, RouteIR, RouteMatchIR, TlsSecretIR, VirtualHostIR, WasmFilterIR,
} from "../ir/types.ts";

export function mappingRef(name: string, namespace = "default") {
  return { kind: "Mapping", namespace, name };
}

export function routeAction(over: Partial<RouteActionIR> = {}): RouteActionIR {
  return {
    kind: "route",
    backends: [{ cluster: "default/echo:80", weight: 100, source: mappingRef("echo") }],
    prefixRewrite: "/",
    timeoutMs: 3000,
    headers: { requestAdd: [], requestRemove: [], responseAdd: [], responseRemove: [] },
    mirrors: [],
    upgrades: [],
    ...over,
  };
}

export function routeMatch(over: Partial<RouteMatchIR> = {}): RouteMatchIR {
  return { prefix: "/echo/", caseSensitive: true, headers: [], queryParameters: [], grpc: false, ...over };
}

export function route(name: string, over: Partial<RouteIR> = {}): RouteIR {
  return { name, sources: [mappingRef(name.split("/")[1] ?? name)], match: routeMatch(), action: routeAction(), filters: [], ...over };
}

export function vhost(name: string, over: Partial<VirtualHostIR> = {}): VirtualHostIR {
  return { name, domains: ["*"], insecure: "Route", routes: [], ...over };
}

export function edsCluster(name: string, over: Partial<ClusterIR> = {}): ClusterIR {
  return {
    name,
    discovery: "eds",
    endpoints: [{ address: "10.0.0.1", port: 8080, ready: true }],
    protocol: "http1",
    connectTimeoutMs: 250,
    lbPolicy: "round_robin",
    sources: [mappingRef("echo")],
    ...over,
  };
}

export function wasmFilter(name: string, over: Partial<WasmFilterIR> = {}): WasmFilterIR {
  const [namespace, short] = name.split("/") as [string, string];
  return {
    name: `attache.wasm/${name}`,
    source: { kind: "WasmFilter", namespace, name: short },
    order: 100,
    rootId: short,
    vmId: name,
    module: { sha256: "ab".repeat(32), path: `/modules/${"ab".repeat(32)}.wasm` },
    failurePolicy: "FailOpen",
    configuration: { routes: {} },
    ...over,
  };
}

export const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
export const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

export function secret(name: string): TlsSecretIR {
  return { name, certificateChain: PEM_CERT, privateKey: PEM_KEY };
}

export function gatewayIR(over: Partial<GatewayIR> = {}): GatewayIR {
  return {
    listeners: { http: 8080, https: 8443 },
    virtualHosts: [],
    clusters: [],
    wasmFilters: [],
    secrets: [],
    moduleServer: { clusterName: "attache_modules", host: "attache.attache-system.svc", port: 18002 },
    ...over,
  };
}
