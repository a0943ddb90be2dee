// Clusters and their endpoints (cluster.proto, endpoint.proto) for the local data plane:
// EDS clusters take endpoints from ClusterLoadAssignments, STATIC / STRICT_DNS ones from
// their inline load_assignment. Only healthy (or unknown-health) endpoints are used, as Envoy
// does; a cluster with none answers 503 "no healthy upstream".
import { protoDurationToMs } from "../../protos/duration.ts";
import type { ClusterJson } from "../../protos/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { ClusterLoadAssignmentJson } from "../../protos/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { UpstreamTlsContextSchema } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { HttpProtocolOptionsSchema } from "../../protos/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import { unpackAny } from "../../protos/json.ts";

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

export function compileCluster(c: ClusterJson): ClusterConfig {
  const name = c.name ?? "";
  const where = `Cluster ${name}`;
  const discovery = c.type ?? "STATIC";
  if (discovery !== "EDS" && discovery !== "STATIC" && discovery !== "STRICT_DNS" && discovery !== "LOGICAL_DNS") throw new Error(`${where}.type: unsupported ${discovery}`);
  const protocol = unpackAny(c.typed_extension_protocol_options?.[HttpProtocolOptionsSchema.typeName], HttpProtocolOptionsSchema);
  const http2 = Boolean(protocol?.explicit_http_config?.http2_protocol_options || c.http2_protocol_options);
  const upstreamTls = unpackAny(c.transport_socket?.typed_config, UpstreamTlsContextSchema);
  const thresholds = (c.circuit_breakers?.thresholds ?? []).find((t) => (t.priority ?? "DEFAULT") === "DEFAULT");
  return {
    name,
    discovery,
    edsName: discovery === "EDS" ? (c.eds_cluster_config?.service_name || name) : undefined,
    http2,
    tls: upstreamTls ? { sni: upstreamTls.sni } : undefined,
    connectTimeoutMs: c.connect_timeout ? protoDurationToMs(c.connect_timeout) : 5_000,
    lbPolicy: c.lb_policy ?? "ROUND_ROBIN",
    maxConnections: thresholds?.max_connections,
    maxRequests: thresholds?.max_requests,
    maxRetries: thresholds?.max_retries,
    inlineEndpoints: c.load_assignment ? endpointsOf(c.load_assignment) : [],
  };
}

/** Healthy endpoints of a ClusterLoadAssignment (HEALTHY or UNKNOWN health status). */
export function endpointsOf(cla: ClusterLoadAssignmentJson): Endpoint[] {
  const out: Endpoint[] = [];
  for (const locality of cla.endpoints ?? []) {
    for (const lb of locality.lb_endpoints ?? []) {
      const status = lb.health_status ?? "UNKNOWN";
      if (status !== "UNKNOWN" && status !== "HEALTHY") continue;
      const sa = lb.endpoint?.address?.socket_address;
      if (!sa?.address) continue;
      out.push({ host: sa.address, port: sa.port_value ?? 0 });
    }
  }
  return out;
}
