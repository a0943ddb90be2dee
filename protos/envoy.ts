// The Envoy API types every stage encodes and checks against: the TypeScript protoc-gen-es
// generated into gen/ from Envoy's own protos (`npm run protos`, scripts/protos/). One
// registry holds every message a resource may carry in a google.protobuf.Any
// (`typed_config`, ECDS, the xDS responses), so the JSON codec (json.ts) can resolve
// `{"@type": ...}` and the validator (validate.ts) can look inside it.
import { createRegistry, type DescFile, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { file_envoy_config_bootstrap_v3_bootstrap } from "./gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import { file_envoy_config_cluster_v3_cluster } from "./gen/envoy/config/cluster/v3/cluster_pb.ts";
import { file_envoy_config_core_v3_extension } from "./gen/envoy/config/core/v3/extension_pb.ts";
import { file_envoy_config_endpoint_v3_endpoint } from "./gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { file_envoy_config_listener_v3_listener } from "./gen/envoy/config/listener/v3/listener_pb.ts";
import { file_envoy_config_route_v3_route } from "./gen/envoy/config/route/v3/route_pb.ts";
import { file_envoy_config_route_v3_scoped_route } from "./gen/envoy/config/route/v3/scoped_route_pb.ts";
import { file_envoy_extensions_access_loggers_file_v3_file } from "./gen/envoy/extensions/access_loggers/file/v3/file_pb.ts";
import { file_envoy_extensions_access_loggers_stream_v3_stream } from "./gen/envoy/extensions/access_loggers/stream/v3/stream_pb.ts";
import { file_envoy_extensions_filters_http_cors_v3_cors } from "./gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import { file_envoy_extensions_filters_http_custom_response_v3_custom_response } from "./gen/envoy/extensions/filters/http/custom_response/v3/custom_response_pb.ts";
import { file_envoy_extensions_filters_http_ext_authz_v3_ext_authz } from "./gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.ts";
import { file_envoy_extensions_filters_http_fault_v3_fault } from "./gen/envoy/extensions/filters/http/fault/v3/fault_pb.ts";
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from "./gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.ts";
import { file_envoy_extensions_filters_http_router_v3_router } from "./gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { file_envoy_extensions_filters_http_wasm_v3_wasm } from "./gen/envoy/extensions/filters/http/wasm/v3/wasm_pb.ts";
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from "./gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.ts";
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from "./gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { file_envoy_extensions_http_custom_response_local_response_policy_v3_local_response_policy } from "./gen/envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy_pb.ts";
import { file_envoy_extensions_regex_engines_v3_google_re2 } from "./gen/envoy/extensions/regex_engines/v3/google_re2_pb.ts";
import { file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections } from "./gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.ts";
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from "./gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from "./gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from "./gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import { file_envoy_extensions_wasm_v3_wasm } from "./gen/envoy/extensions/wasm/v3/wasm_pb.ts";
import { file_envoy_service_auth_v3_external_auth } from "./gen/envoy/service/auth/v3/external_auth_pb.ts";
import { file_envoy_service_discovery_v3_ads } from "./gen/envoy/service/discovery/v3/ads_pb.ts";
import { file_envoy_type_matcher_v3_status_code_input } from "./gen/envoy/type/matcher/v3/status_code_input_pb.ts";

/** The files scripts/protos/descriptors generates from (its `roots`); their imports come along. */
const ROOT_FILES: DescFile[] = [
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_core_v3_extension,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_config_route_v3_scoped_route,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_access_loggers_stream_v3_stream,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_custom_response_v3_custom_response,
  file_envoy_extensions_filters_http_ext_authz_v3_ext_authz,
  file_envoy_extensions_filters_http_fault_v3_fault,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_http_wasm_v3_wasm,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_http_custom_response_local_response_policy_v3_local_response_policy,
  file_envoy_extensions_regex_engines_v3_google_re2,
  file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_wasm_v3_wasm,
  file_envoy_service_auth_v3_external_auth,
  file_envoy_service_discovery_v3_ads,
  file_envoy_type_matcher_v3_status_code_input,
];

function withImports(files: DescFile[], seen = new Set<DescFile>()): DescFile[] {
  for (const file of files) {
    if (seen.has(file)) continue;
    seen.add(file);
    withImports(file.dependencies, seen);
  }
  return [...seen];
}

/** Every generated Envoy type and the well-known types they use. */
export const ENVOY_REGISTRY: Registry = createRegistry(...withImports(ROOT_FILES));

export const TYPE_URL_PREFIX = "type.googleapis.com/";

/** The message type of a full name (`envoy.config.cluster.v3.Cluster`) or type URL; throws
 *  for a type the registry does not hold. */
export function envoyMessage(nameOrTypeUrl: string): DescMessage {
  const name = nameOrTypeUrl.startsWith(TYPE_URL_PREFIX) ? nameOrTypeUrl.slice(TYPE_URL_PREFIX.length) : nameOrTypeUrl;
  const found = ENVOY_REGISTRY.getMessage(name);
  if (!found) throw new Error(`unknown Envoy type ${JSON.stringify(nameOrTypeUrl)}`);
  return found;
}
