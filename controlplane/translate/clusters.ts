// Clusters and their endpoints (config/cluster/v3, config/endpoint/v3):
// - Kubernetes services: EDS clusters over ADS, service_name = cluster name, and one
//   ClusterLoadAssignment of that name;
// - DNS names and IPs (model/checks/service-ref.ts): STRICT_DNS / LOGICAL_DNS or STATIC with inline
//   endpoints;
// - connect timeout, load balancer, circuit breakers, HTTP/2 for gRPC, upstream TLS.
// Cached per ClusterIR.
import type { CircuitBreakersIR, ClusterIR, EndpointIR } from "../ir/types.ts";
import { perObject } from "./memo.ts";
import { msToProtoDuration } from "../../protos/duration.ts";
import { ADS_SOURCE, packAny } from "./resources.ts";
import type { CircuitBreakers_ThresholdsJson, CircuitBreakersJson } from "../../protos/gen/envoy/config/cluster/v3/circuit_breaker_pb.ts";
import type { Cluster_DiscoveryTypeJson, Cluster_LbPolicyJson, ClusterJson } from "../../protos/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { LocalityLbEndpointsJson } from "../../protos/gen/envoy/config/endpoint/v3/endpoint_components_pb.ts";
import type { ClusterLoadAssignmentJson } from "../../protos/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { UpstreamTlsContextSchema } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { HttpProtocolOptionsSchema } from "../../protos/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";

const LB_POLICY: Record<ClusterIR["lbPolicy"], Cluster_LbPolicyJson> = {
  round_robin: "ROUND_ROBIN",
  least_request: "LEAST_REQUEST",
  ring_hash: "RING_HASH",
  maglev: "MAGLEV",
  random: "RANDOM",
};

const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

const DISCOVERY: Record<ClusterIR["discovery"], Cluster_DiscoveryTypeJson> = { eds: "EDS", static: "STATIC", strict_dns: "STRICT_DNS", logical_dns: "LOGICAL_DNS" };

function circuitBreakers(limits: CircuitBreakersIR): CircuitBreakersJson {
  const threshold: CircuitBreakers_ThresholdsJson = { priority: "DEFAULT" };
  if (limits.maxConnections !== undefined) threshold.max_connections = limits.maxConnections;
  if (limits.maxPendingRequests !== undefined) threshold.max_pending_requests = limits.maxPendingRequests;
  if (limits.maxRequests !== undefined) threshold.max_requests = limits.maxRequests;
  if (limits.maxRetries !== undefined) threshold.max_retries = limits.maxRetries;
  return { thresholds: [threshold] };
}

/** Only ready endpoints are listed: a not-ready one marked UNHEALTHY would still get traffic
 *  once Envoy's panic threshold (50% unhealthy) is crossed. */
function localityEndpoints(endpoints: EndpointIR[]): LocalityLbEndpointsJson[] {
  const ready = endpoints.filter((e) => e.ready);
  if (!ready.length) return [];
  return [{
    // gRPC xDS clients drop localities without a weight (docs/xds.md).
    load_balancing_weight: 1,
    lb_endpoints: ready.map((e) => ({ endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } } })),
  }];
}

function clusterJson(ir: ClusterIR): ClusterJson {
  const out: ClusterJson = {
    name: ir.name,
    type: DISCOVERY[ir.discovery],
    connect_timeout: msToProtoDuration(ir.connectTimeoutMs),
    lb_policy: LB_POLICY[ir.lbPolicy],
  };
  if (ir.discovery === "eds") {
    out.eds_cluster_config = { eds_config: ADS_SOURCE, service_name: ir.name };
  } else {
    out.load_assignment = { cluster_name: ir.name, endpoints: localityEndpoints(ir.endpoints) };
    // Kubernetes pod networks and most CI hosts are IPv4; AUTO tries AAAA first.
    if (ir.discovery === "strict_dns" || ir.discovery === "logical_dns") out.dns_lookup_family = "V4_PREFERRED";
  }
  if (ir.circuitBreakers) out.circuit_breakers = circuitBreakers(ir.circuitBreakers);
  if (ir.protocol === "http2") {
    // gRPC needs HTTP/2 upstream (extensions/upstreams/http/v3/http_protocol_options.proto).
    out.typed_extension_protocol_options = {
      [HttpProtocolOptionsSchema.typeName]: packAny(HttpProtocolOptionsSchema, {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    };
  }
  if (ir.upstreamTls) {
    out.transport_socket = {
      name: "envoy.transport_sockets.tls",
      typed_config: packAny(UpstreamTlsContextSchema, {
        sni: ir.upstreamTls.sni,
        common_tls_context: {
          // Offer h2 only when the cluster speaks it; ALPN must agree with the codec.
          alpn_protocols: ir.protocol === "http2" ? ["h2"] : ["http/1.1"],
          // Without a validation context Envoy accepts any certificate: verify the chain
          // against the system CAs (path in Envoy's Debian/Ubuntu-based images) and the name.
          validation_context: {
            trusted_ca: { filename: SYSTEM_CA_BUNDLE },
            match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: ir.upstreamTls.sni } }],
          },
        },
      }),
    };
  }
  return out;
}

export interface TranslatedCluster {
  cluster: ClusterJson;
  /** EDS clusters only: the ClusterLoadAssignment named like the cluster. */
  loadAssignment?: ClusterLoadAssignmentJson;
}

export const translateCluster = perObject((ir: ClusterIR): TranslatedCluster => {
  const cluster = clusterJson(ir);
  if (ir.discovery !== "eds") return { cluster };
  return { cluster, loadAssignment: { cluster_name: ir.name, endpoints: localityEndpoints(ir.endpoints) } };
});
