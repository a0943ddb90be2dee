// Type URLs of the xDS resources Attaché produces, serves and consumes (one table for the
// translator, the ADS server and the local data plane).
const T = "type.googleapis.com/";

export const TYPE_URL = {
  listener: `${T}envoy.config.listener.v3.Listener`,
  routeConfiguration: `${T}envoy.config.route.v3.RouteConfiguration`,
  scopedRouteConfiguration: `${T}envoy.config.route.v3.ScopedRouteConfiguration`,
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  clusterLoadAssignment: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  secret: `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
  typedExtensionConfig: `${T}envoy.config.core.v3.TypedExtensionConfig`,
} as const;
