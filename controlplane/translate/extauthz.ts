// gRPC AuthServices: Envoy's ext_authz HTTP filter (extensions/filters/http/ext_authz/v3),
// one per AuthService, calling envoy.service.auth.v3.Authorization/Check on its HTTP/2
// cluster (Envoy gRPC client). Like the Wasm filters each sits `disabled: true` in the HCM and
// is switched on per route with FilterConfig{config: {}} (an empty Any means "enabled"), so
// bypassAuth routes and routes of other Hosts are never checked.
import type { ExtAuthzIR, GatewayIR, RouteIR } from "../ir/types.ts";
import type { HttpFilterFeature } from "./httpfilters.ts";
import { perObject } from "./memo.ts";
import { msToProtoDuration } from "../../protos/duration.ts";
import { packAny } from "./resources.ts";
import { FilterConfigSchema } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import { ExtAuthzSchema, type ExtAuthzJson } from "../../protos/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { StatusCodeJson } from "../../protos/gen/envoy/type/v3/http_status_pb.ts";

const ENABLED_ON_ROUTE = packAny(FilterConfigSchema, { config: {} });

/** envoy.type.v3.StatusCode names (type/v3/http_status.proto) of the codes the CRD allows. */
const STATUS_NAMES: Record<number, StatusCodeJson> = {
  400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests",
  500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
};

export const extAuthzFilter = perObject((ir: ExtAuthzIR): HttpFilterJson => {
  const config: ExtAuthzJson = {
    grpc_service: { envoy_grpc: { cluster_name: ir.cluster, authority: ir.authority }, timeout: msToProtoDuration(ir.timeoutMs) },
    transport_api_version: "V3",
    failure_mode_allow: ir.failureModeAllow,
  };
  if (ir.allowedRequestHeaders.length) {
    config.allowed_headers = { patterns: ir.allowedRequestHeaders.map((h) => ({ exact: h.toLowerCase() })) };
  }
  if (ir.includeBody) config.with_request_body = { max_request_bytes: ir.includeBody.maxBytes, allow_partial_message: ir.includeBody.allowPartial };
  if (ir.statusOnError !== undefined) config.status_on_error = { code: STATUS_NAMES[ir.statusOnError] ?? "Forbidden" };
  return { name: ir.name, disabled: true, typed_config: packAny(ExtAuthzSchema, config) };
});

export const extAuthzFeature: HttpFilterFeature = {
  patchHCM(ir: GatewayIR, httpFilters) {
    for (const filter of ir.extAuthz ?? []) httpFilters.push(extAuthzFilter(filter));
  },
  patchRoute(route: RouteIR, typedPerFilterConfig) {
    if (route.extAuthz) typedPerFilterConfig[route.extAuthz] = ENABLED_ON_ROUTE;
  },
  patchResources() {},
};
