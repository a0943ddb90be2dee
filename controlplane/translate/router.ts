// envoy.filters.http.router: the terminal HTTP filter (extensions/filters/http/router/v3).
import type { HttpFilterFeature } from "./httpfilters.ts";
import { any } from "./resources.ts";

const ROUTER_FILTER = {
  name: "envoy.filters.http.router",
  typed_config: any("envoy.extensions.filters.http.router.v3.Router", {}),
};

export const routerFeature: HttpFilterFeature = {
  patchHCM(_ir, httpFilters) {
    httpFilters.push(ROUTER_FILTER);
  },
  patchRoute() {},
  patchResources() {},
};
