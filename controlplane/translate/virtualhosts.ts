// Virtual hosts and routes (config/route/v3): each VirtualHostIR becomes
// - an inline virtual host of the plain-HTTP RouteConfiguration `attache-http`, which routes,
//   redirects to HTTPS or rejects per the Host's `requestPolicy.insecure` action;
// - for TLS Hosts, the RouteConfiguration `attache-https/<vhost>` of its HTTPS filter chain.
// Both are cached per VirtualHostIR, and routes per RouteIR: a one-Mapping change rebuilds
// one virtual host and, inside it, one route.
import type { RouteIR, VirtualHostIR } from "../ir/types.ts";
import { HTTP_FILTER_TABLE } from "./httpfilters.ts";
import { lastResult, perObject } from "./memo.ts";
import { HTTP_ROUTE_CONFIG, httpsRouteConfigName } from "./resources.ts";
import { headerEdits, redirectAction, routeAction } from "./routeaction.ts";
import { routeMatch } from "./routematch.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import type { RouteJson, VirtualHostJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { RouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/route_pb.ts";

/** The route name is what Wasm filters read as `xds.route_name` to find their settings. */
export const translateRoute = perObject((route: RouteIR): RouteJson => {
  const out: RouteJson = { name: route.name, match: routeMatch(route.match) };
  if (route.action.kind === "route") {
    out.route = routeAction(route.action);
    Object.assign(out, headerEdits(route.action.headers));
  } else {
    out.redirect = redirectAction(route.action);
  }
  const perFilter: { [filter: string]: AnyJson } = {};
  const filterMetadata: { [namespace: string]: JsonObject } = {};
  for (const feature of HTTP_FILTER_TABLE) feature.patchRoute(route, perFilter, filterMetadata);
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  if (Object.keys(filterMetadata).length) out.metadata = { filter_metadata: filterMetadata };
  return out;
});

/** Plain HTTP to a TLS Host with action Redirect: every path goes to the same URL on https
 *  (301, as Emissary does). */
function insecureRedirect(vhost: VirtualHostIR): RouteJson {
  return {
    name: `${vhost.name}/insecure-redirect`,
    match: { prefix: "/" },
    redirect: { https_redirect: true, response_code: "MOVED_PERMANENTLY" },
  };
}

/** Plain HTTP to a TLS Host with action Reject: 403 with a body saying what to do. */
function insecureReject(vhost: VirtualHostIR): RouteJson {
  return {
    name: `${vhost.name}/insecure-reject`,
    match: { prefix: "/" },
    direct_response: { status: 403, body: { inline_string: "plain HTTP is not accepted for this host: use https\n" } },
  };
}

/** A virtual host as translateVirtualHost writes it: always named, always with domains. */
export type NamedVirtualHostJson = VirtualHostJson & { name: string; domains: string[] };

export interface TranslatedVirtualHost {
  /** The virtual host `<namespace>/<name>` inside the plain-HTTP routes (scopedroutes.ts). */
  http: NamedVirtualHostJson;
  /** RouteConfiguration `attache-https/<vhost>`, for TLS Hosts only. */
  https?: RouteConfigurationJson;
}

/** Without TLS there is no secure alternative, so plain HTTP always routes. */
function httpRoutes(vhost: VirtualHostIR, routes: RouteJson[]): RouteJson[] {
  if (!vhost.tls || vhost.insecure === "Route") return routes;
  return [vhost.insecure === "Redirect" ? insecureRedirect(vhost) : insecureReject(vhost)];
}

export const translateVirtualHost = perObject((vhost: VirtualHostIR): TranslatedVirtualHost => {
  const routes = vhost.routes.map(translateRoute);
  const domains = [...vhost.domains];
  const http: NamedVirtualHostJson = { name: vhost.name, domains, routes: httpRoutes(vhost, routes) };
  if (!vhost.tls) return { http };
  const https: RouteConfigurationJson = {
    name: httpsRouteConfigName(vhost.name),
    virtual_hosts: [{ name: vhost.name, domains, routes }],
  };
  return { http, https };
});

const lastHttpRouteConfiguration = lastResult<RouteConfigurationJson>();

/** The plain-HTTP listener's RouteConfiguration with every Host's virtual host inline (plain
 *  RDS, as Emissary, Envoy Gateway and Istio serve it). One listener with one filter chain
 *  cannot be split further by Host: at L4 there is no Host to match a filter chain on, and
 *  VHDS (per-virtual-host delivery) is Delta-only and NACKed by Envoy <= 1.36 with an `ads`
 *  config source. Kept (===) while no virtual host changed, so the xDS cache skips it. */
export function httpRouteConfiguration(vhosts: readonly VirtualHostJson[]): RouteConfigurationJson {
  return lastHttpRouteConfiguration(vhosts, () => ({ name: HTTP_ROUTE_CONFIG, virtual_hosts: [...vhosts] }));
}
