// Emissary's error_response_overrides: Envoy's custom_response filter
// (extensions/filters/http/custom_response/v3) in the HCM with no matcher of its own, and per
// route a CustomResponse whose matcher maps the response status code
// (type/matcher/v3/status_code_input.proto) to a LocalResponsePolicy
// (extensions/http/custom_response/local_response_policy/v3) with the new body as a
// SubstitutionFormatString, so Envoy's command operators (%RESPONSE_CODE%...) work as in
// Emissary. The status code is kept. Envoy rewrites its own local replies too (no healthy
// upstream, timeouts, ext_authz denials: the filter is first, so it sees them all), but
// ignores body_format.content_type (the reply stays text/plain): the policy sets Content-Type
// with response_headers_to_add instead.
import type { ErrorOverrideIR, GatewayIR, RouteIR, VirtualHostIR } from "../ir/types.ts";
import type { HttpFilterFeature } from "./httpfilters.ts";
import { perObject } from "./memo.ts";
import { packAny } from "./resources.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import type { SubstitutionFormatStringJson } from "../../protos/gen/envoy/config/core/v3/substitution_format_string_pb.ts";
import { CustomResponseSchema } from "../../protos/gen/envoy/extensions/filters/http/custom_response/v3/custom_response_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { LocalResponsePolicySchema } from "../../protos/gen/envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy_pb.ts";
import { HttpResponseStatusCodeMatchInputSchema } from "../../protos/gen/envoy/type/matcher/v3/status_code_input_pb.ts";

export const CUSTOM_RESPONSE_FILTER_NAME = "envoy.filters.http.custom_response";
const FILTER: HttpFilterJson = { name: CUSTOM_RESPONSE_FILTER_NAME, typed_config: packAny(CustomResponseSchema, {}) };

const usesOverrides = perObject((vhost: VirtualHostIR): boolean => vhost.routes.some((r) => r.errorOverrides?.length));

function bodyFormat(o: ErrorOverrideIR): SubstitutionFormatStringJson {
  // text_format is deprecated in favour of text_format_source (substitution_format_string.proto).
  const out: SubstitutionFormatStringJson = o.json !== undefined ? { json_format: o.json as JsonObject } : { text_format_source: { inline_string: o.text ?? "" } };
  out.content_type = o.contentType ?? (o.json !== undefined ? "application/json" : "text/plain");
  return out;
}

const perRoute = perObject((overrides: ErrorOverrideIR[]): AnyJson => packAny(CustomResponseSchema, {
  custom_response_matcher: {
    matcher_list: {
      matchers: overrides.map((o) => ({
        predicate: {
          single_predicate: {
            input: { name: "status_code", typed_config: packAny(HttpResponseStatusCodeMatchInputSchema, {}) },
            value_match: { exact: String(o.status) },
          },
        },
        on_match: {
          action: {
            name: `status-${o.status}`,
            typed_config: packAny(LocalResponsePolicySchema, {
              body_format: bodyFormat(o),
              response_headers_to_add: [{ header: { key: "content-type", value: bodyFormat(o).content_type }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
            }),
          },
        },
      })),
    },
  },
}));

export const errorResponsesFeature: HttpFilterFeature = {
  patchHCM(ir: GatewayIR, httpFilters) {
    if (ir.virtualHosts.some(usesOverrides)) httpFilters.push(FILTER);
  },
  patchRoute(route: RouteIR, typedPerFilterConfig) {
    if (route.errorOverrides?.length) typedPerFilterConfig[CUSTOM_RESPONSE_FILTER_NAME] = perRoute(route.errorOverrides);
  },
  patchResources() {},
};
