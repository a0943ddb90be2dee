// The Envoy bootstrap that points a proxy at the Attaché control plane (bootstrap.proto):
// Delta ADS over gRPC for everything (VHDS needs Delta, and one ADS stream gives the
// make-before-break order of docs/xds.md), the admin interface on localhost only, and
// the one static cluster Envoy needs before xDS: the control plane itself. `attache
// bootstrap` prints it; the Helm chart's bootstrap ConfigMap holds the same content.

export interface BootstrapOptions {
  /** Control plane xDS address, host:port (default attache.attache-system.svc:18000). */
  xdsAddress: string;
  nodeId?: string;
  /** Node cluster: the snapshot group (several gateway instances select by it). */
  nodeCluster?: string;
  adminPort?: number;
}

export function envoyBootstrap(options: BootstrapOptions): Record<string, unknown> {
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
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http2_protocol_options: { connection_keepalive: { interval: "30s", timeout: "5s" } } },
          },
        },
        load_assignment: {
          cluster_name: "attache_xds",
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: Number(portText) } } } }] }],
        },
      }],
    },
    layered_runtime: {
      layers: [{ name: "static", static_layer: { "overload.global_downstream_max_connections": 50000 } }],
    },
  };
}

function splitHostPort(address: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) > 65535) throw new Error(`--xds-address: expected host:port, got ${JSON.stringify(address)}`);
  return [m[1], m[2]];
}
