// The HttpConnectionManager shared by every listener and filter chain
// (extensions/filters/network/http_connection_manager/v3): routes over RDS, the HTTP filter
// chain from HTTP_FILTER_TABLE (router last), and a JSON access log on stdout.
import type { GatewayIR } from "../ir/types.ts";
import { HTTP_FILTER_TABLE } from "./httpfilters.ts";
import { HCM_LIMITS } from "./hcm-limits.ts";
import { byKey } from "./memo.ts";
import { ADS_SOURCE, packAny } from "./resources.ts";
import type { HttpRouteSpecifierJson } from "./scopedroutes.ts";
import type { AccessLogJson } from "../../protos/gen/envoy/config/accesslog/v3/accesslog_pb.ts";
import type { FilterJson } from "../../protos/gen/envoy/config/listener/v3/listener_components_pb.ts";
import { StdoutAccessLogSchema } from "../../protos/gen/envoy/extensions/access_loggers/stream/v3/stream_pb.ts";
import { HttpConnectionManagerSchema, type HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

/** One JSON object per request on Envoy's stdout, with the fields an operator greps for
 *  first. StdoutAccessLog (access_loggers/stream/v3/stream.proto) writes to the process's
 *  stdout; a FileAccessLog of "/dev/stdout" must open that path, which fails when stdout is a
 *  socket (Envoy NACKs the Listener: "unable to open file '/dev/stdout'"). */
const ACCESS_LOG: AccessLogJson = {
  name: "envoy.access_loggers.stdout",
  typed_config: packAny(StdoutAccessLogSchema, {
    log_format: {
      json_format: {
        start_time: "%START_TIME%",
        method: "%REQ(:METHOD)%",
        path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
        protocol: "%PROTOCOL%",
        authority: "%REQ(:AUTHORITY)%",
        response_code: "%RESPONSE_CODE%",
        response_flags: "%RESPONSE_FLAGS%",
        bytes_received: "%BYTES_RECEIVED%",
        bytes_sent: "%BYTES_SENT%",
        duration_ms: "%DURATION%",
        route_name: "%ROUTE_NAME%",
        upstream_cluster: "%UPSTREAM_CLUSTER%",
        upstream_host: "%UPSTREAM_HOST%",
        x_forwarded_for: "%REQ(X-FORWARDED-FOR)%",
        user_agent: "%REQ(USER-AGENT)%",
        request_id: "%REQ(X-REQUEST-ID)%",
      },
    },
  }),
};

const filterListFor = byKey<HttpFilterJson[]>();

/** The HCM's http_filters; the same array (===) while the set of filters is unchanged, so
 *  cached filter chains and listeners stay valid. */
export function httpFilters(ir: GatewayIR): HttpFilterJson[] {
  const list: HttpFilterJson[] = [];
  for (const feature of HTTP_FILTER_TABLE) feature.patchHCM(ir, list);
  return filterListFor(JSON.stringify(list), () => list);
}

/** `routes`: an RDS RouteConfiguration name, or the HCM fields that select routes otherwise
 *  (scopedroutes.ts). */
export function httpConnectionManager(statPrefix: string, routes: string | HttpRouteSpecifierJson, filters: HttpFilterJson[]): FilterJson {
  const specifier: HttpRouteSpecifierJson = typeof routes === "string" ? { rds: { route_config_name: routes, config_source: ADS_SOURCE } } : routes;
  return {
    name: "envoy.filters.network.http_connection_manager",
    typed_config: packAny(HttpConnectionManagerSchema, {
      stat_prefix: statPrefix,
      codec_type: "AUTO",
      ...specifier,
      http_filters: filters,
      access_log: [ACCESS_LOG],
      // The client address comes from the connection (we are the edge), not from XFF.
      use_remote_address: true,
      // RFC 3986 normalization before matching, so /a/../admin cannot dodge a prefix route.
      normalize_path: true,
      merge_slashes: true,
      // %2F and %5C in a path answer 400 (docs/request-paths.md says why rather than redirect):
      // left as they are, an upstream that decodes them serves a path no route matched.
      path_with_escaped_slashes_action: "REJECT_REQUEST",
      // Host "example.com:8080" must match the virtual host "example.com".
      strip_any_host_port: true,
      ...HCM_LIMITS,
    }),
  };
}
