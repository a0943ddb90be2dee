// Clusters and their endpoints (cluster.proto, endpoint.proto) for the local data plane:
// EDS clusters take endpoints from ClusterLoadAssignments, STATIC / STRICT_DNS ones from
// their inline load_assignment. Only healthy (or unknown-health) endpoints are used, as Envoy
// does; a cluster with none answers 503 "no healthy upstream".
import { protoDurationToMs } from "../../protos/duration.ts";

type Json = any;

export interface Endpoint { host: string; port: number }

export interface ClusterConfig {
  name: string;
  discovery: "EDS" | "STATIC" | "STRICT_DNS" | "LOGICAL_DNS";
  /** The CLA name for EDS clusters. */
  edsName?: string;
  http2: boolean;
  tls?: { sni?: string };
  connectTimeoutMs: number;
  lbPolicy: string;
  maxConnections?: number;
  maxRequests?: number;
  maxRetries?: number;
  inlineEndpoints: Endpoint[];
}

export function compileCluster(c: Json): ClusterConfig {
  const where = `Cluster ${c.name}`;
  const discovery = c.type ?? "STATIC";
  if (!["EDS", "STATIC", "STRICT_DNS", "LOGICAL_DNS"].includes(discovery)) throw new Error(`${where}.type: unsupported ${discovery}`);
  const protocol = c.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  const http2 = Boolean(protocol?.explicit_http_config?.http2_protocol_options || c.http2_protocol_options);
  const tlsSocket = c.transport_socket?.typed_config;
  const thresholds = (c.circuit_breakers?.thresholds ?? []).find((t: Json) => (t.priority ?? "DEFAULT") === "DEFAULT");
  const num = (v: Json) => (v === undefined ? undefined : Number(typeof v === "object" ? v.value : v));
  return {
    name: c.name,
    discovery,
    edsName: discovery === "EDS" ? (c.eds_cluster_config?.service_name || c.name) : undefined,
    http2,
    tls: tlsSocket?.["@type"]?.endsWith("UpstreamTlsContext") ? { sni: tlsSocket.sni } : undefined,
    connectTimeoutMs: c.connect_timeout ? protoDurationToMs(c.connect_timeout) : 5_000,
    lbPolicy: c.lb_policy ?? "ROUND_ROBIN",
    maxConnections: num(thresholds?.max_connections),
    maxRequests: num(thresholds?.max_requests),
    maxRetries: num(thresholds?.max_retries),
    inlineEndpoints: c.load_assignment ? endpointsOf(c.load_assignment) : [],
  };
}

/** Healthy endpoints of a ClusterLoadAssignment (HEALTHY or UNKNOWN health status). */
export function endpointsOf(cla: Json): Endpoint[] {
  const out: Endpoint[] = [];
  for (const locality of cla.endpoints ?? []) {
    for (const lb of locality.lb_endpoints ?? []) {
      const status = lb.health_status ?? "UNKNOWN";
      if (status !== "UNKNOWN" && status !== "HEALTHY") continue;
      const sa = lb.endpoint?.address?.socket_address;
      if (!sa) continue;
      out.push({ host: sa.address, port: Number(sa.port_value) });
    }
  }
  return out;
}
