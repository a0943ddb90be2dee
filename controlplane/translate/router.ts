// envoy.filters.http.router: the terminal HTTP filter (extensions/filters/http/router/v3).
import type { HttpFilterFeature } from "./httpfilters.ts";
import { packAny } from "./resources.ts";
import { RouterSchema } from "../../protos/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

const ROUTER_FILTER: HttpFilterJson = {
  name: "envoy.filters.http.router",
  typed_config: packAny(RouterSchema, {}),
};

export const routerFeature: HttpFilterFeature = {
  patchHCM(_ir, httpFilters) {
    httpFilters.push(ROUTER_FILTER);
  },
  patchRoute() {},
  patchResources() {},
};
