// The Envoy bootstrap that points a proxy at the Attaché control plane (bootstrap.proto):
// Delta ADS over gRPC for everything (a change sends only the resources that changed, and
// one ADS stream gives the make-before-break order of docs/xds.md), the admin interface
// on localhost only, the one static cluster Envoy needs before xDS (the control plane
// itself), a cap on downstream connections (the overload manager's resource monitor; the
// runtime key `overload.global_downstream_max_connections` is deprecated), RE2 as the regex
// engine, and the RE2 program size limit the model enforces (RE2_MAX_PROGRAM_SIZE). `attache
// bootstrap` prints it; the Helm chart's bootstrap ConfigMap holds the same content.
import type { BootstrapJson } from "../../protos/gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import { GoogleRE2Schema } from "../../protos/gen/envoy/extensions/regex_engines/v3/google_re2_pb.ts";
import { DownstreamConnectionsConfigSchema } from "../../protos/gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.ts";
import { HttpProtocolOptionsSchema } from "../../protos/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import { packAny } from "../../protos/json.ts";
import { RE2_MAX_PROGRAM_SIZE } from "../model/checks/re2-program-size.ts";

/** Downstream connections one Envoy accepts before refusing new ones (all listeners). */
export const MAX_DOWNSTREAM_CONNECTIONS = 50000;

export interface BootstrapOptions {
  /** Control plane xDS address, host:port (default attache.attache-system.svc:18000). */
  xdsAddress: string;
  nodeId?: string;
  /** Node cluster: the snapshot group (several gateway instances select by it). */
  nodeCluster?: string;
  adminPort?: number;
}

/** The node cluster `attache bootstrap` prints unless told otherwise. */
export const BOOTSTRAP_NODE_CLUSTER = "default";

export function envoyBootstrap(options: BootstrapOptions): BootstrapJson {
  const [host, portText] = splitHostPort(options.xdsAddress);
  return {
    node: { id: options.nodeId ?? "attache-envoy", cluster: options.nodeCluster ?? "attache" },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: options.adminPort ?? 9901 } } },
    dynamic_resources: {
      ads_config: {
        api_type: "DELTA_GRPC",
        transport_api_version: "V3",
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: "attache_xds" } }],
      },
      lds_config: { ads: {}, resource_api_version: "V3" },
      cds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      clusters: [{
        name: "attache_xds",
        type: "STRICT_DNS",
        connect_timeout: "1s",
        // gRPC needs HTTP/2 to the control plane.
        typed_extension_protocol_options: {
          [HttpProtocolOptionsSchema.typeName]: packAny(HttpProtocolOptionsSchema, {
            explicit_http_config: { http2_protocol_options: { connection_keepalive: { interval: "30s", timeout: "5s" } } },
          }),
        },
        load_assignment: {
          cluster_name: "attache_xds",
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: Number(portText) } } } }] }],
        },
      }],
    },
    overload_manager: {
      resource_monitors: [{
        name: "envoy.resource_monitors.global_downstream_max_connections",
        typed_config: packAny(DownstreamConnectionsConfigSchema, {
          // int64: a string in proto3 JSON.
          max_active_downstream_connections: String(MAX_DOWNSTREAM_CONNECTIONS),
        }),
      }],
    },
    // RegexMatcher.google_re2 is deprecated: the engine is chosen here (Envoy >= 1.23).
    default_regex_engine: {
      name: "envoy.regex_engines.google_re2",
      typed_config: packAny(GoogleRE2Schema, {}),
    },
    // Envoy refuses a regex whose RE2 program is larger than this (default 100, which
    // `[a-f0-9]{36}` already exceeds); controlplane/model rejects larger ones with the size
    // first, so one Mapping never makes Envoy NACK a whole RouteConfiguration.
    layered_runtime: {
      layers: [{ name: "static", static_layer: { "re2.max_program_size.error_level": RE2_MAX_PROGRAM_SIZE } }],
    },
  };
}

function splitHostPort(address: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) > 65535) throw new Error(`--xds-address: expected host:port, got ${JSON.stringify(address)}`);
  return [m[1], m[2]];
}
