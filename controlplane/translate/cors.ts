// CORS: the envoy.filters.http.cors HTTP filter in the HCM (only when some route uses CORS)
// and a per-route CorsPolicy in typed_per_filter_config (extensions/filters/http/cors/v3;
// the route-level `cors` field is deprecated since Envoy 1.27).
import type { CorsIR, GatewayIR, RouteIR, VirtualHostIR } from "../ir/types.ts";
import type { HttpFilterFeature } from "./httpfilters.ts";
import { perObject } from "./memo.ts";
import { packAny } from "./resources.ts";
import { re2 } from "./routematch.ts";
import { CorsPolicySchema, CorsSchema, type CorsPolicyJson } from "../../protos/gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { StringMatcherJson } from "../../protos/gen/envoy/type/matcher/v3/string_pb.ts";

export const CORS_FILTER_NAME = "envoy.filters.http.cors";
const CORS_FILTER: HttpFilterJson = { name: CORS_FILTER_NAME, typed_config: packAny(CorsSchema, {}) };

const usesCors = perObject((vhost: VirtualHostIR): boolean =>
  vhost.routes.some((r) => r.action.kind === "route" && r.action.cors !== undefined));

/** "*" allows any origin (Envoy then echoes the request's Origin); others match exactly. */
export function corsPolicy(cors: CorsIR): CorsPolicyJson {
  const out: CorsPolicyJson = {
    allow_origin_string_match: cors.origins.map((o): StringMatcherJson => (o === "*" ? { safe_regex: re2(".*") } : { exact: o })),
  };
  if (cors.methods.length) out.allow_methods = cors.methods.join(",");
  if (cors.headers.length) out.allow_headers = cors.headers.join(",");
  if (cors.exposedHeaders.length) out.expose_headers = cors.exposedHeaders.join(",");
  if (cors.maxAgeSeconds !== undefined) out.max_age = String(cors.maxAgeSeconds);
  if (cors.credentials) out.allow_credentials = true;
  return out;
}

export const corsFeature: HttpFilterFeature = {
  patchHCM(ir: GatewayIR, httpFilters) {
    if (ir.virtualHosts.some(usesCors)) httpFilters.push(CORS_FILTER);
  },
  patchRoute(route: RouteIR, typedPerFilterConfig) {
    if (route.action.kind !== "route" || !route.action.cors) return;
    typedPerFilterConfig[CORS_FILTER_NAME] = packAny(CorsPolicySchema, corsPolicy(route.action.cors));
  },
  patchResources() {},
};
