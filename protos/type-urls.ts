// The xDS resources Attaché produces, serves and consumes: their type URLs and generated
// types, one table for the translator, the ADS server and the local data plane.
import type { MessageJsonType } from "@bufbuild/protobuf";
import { ClusterSchema } from "./gen/envoy/config/cluster/v3/cluster_pb.ts";
import { TypedExtensionConfigSchema } from "./gen/envoy/config/core/v3/extension_pb.ts";
import { ClusterLoadAssignmentSchema } from "./gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { ListenerSchema } from "./gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema } from "./gen/envoy/config/route/v3/route_pb.ts";
import { ScopedRouteConfigurationSchema } from "./gen/envoy/config/route/v3/scoped_route_pb.ts";
import { SecretSchema } from "./gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";

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

/** Type URL -> the generated message type. */
export const RESOURCE_SCHEMA = {
  [TYPE_URL.listener]: ListenerSchema,
  [TYPE_URL.routeConfiguration]: RouteConfigurationSchema,
  [TYPE_URL.scopedRouteConfiguration]: ScopedRouteConfigurationSchema,
  [TYPE_URL.cluster]: ClusterSchema,
  [TYPE_URL.clusterLoadAssignment]: ClusterLoadAssignmentSchema,
  [TYPE_URL.secret]: SecretSchema,
  [TYPE_URL.typedExtensionConfig]: TypedExtensionConfigSchema,
} as const;

export type ResourceTypeUrl = keyof typeof RESOURCE_SCHEMA;

/** The proto3 JSON (Envoy's config style) of the resource type `U`: `ResourceJson<typeof
 *  TYPE_URL.listener>` is `ListenerJson`; without `U`, any of them. */
export type ResourceJson<U extends ResourceTypeUrl = ResourceTypeUrl> = MessageJsonType<(typeof RESOURCE_SCHEMA)[U]>;

export function isResourceTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return Object.hasOwn(RESOURCE_SCHEMA, typeUrl);
}

/** Resources by type URL, then by name: what the translator produces and the xDS server serves. */
export type ResourcesByType = { [U in ResourceTypeUrl]: Map<string, ResourceJson<U>> };

export function emptyResources(): ResourcesByType {
  return {
    [TYPE_URL.listener]: new Map(),
    [TYPE_URL.routeConfiguration]: new Map(),
    [TYPE_URL.scopedRouteConfiguration]: new Map(),
    [TYPE_URL.cluster]: new Map(),
    [TYPE_URL.clusterLoadAssignment]: new Map(),
    [TYPE_URL.secret]: new Map(),
    [TYPE_URL.typedExtensionConfig]: new Map(),
  };
}
