// The plain-HTTP listener's route layout. One listener with one filter chain has no Host to
// split on at L4, so with plain RDS every Host's virtual host sits in one RouteConfiguration
// (`attache-http`) and a one-Mapping change re-sends it whole, which Envoy then parses and
// compiles whole. Scoped routes (SRDS: config/route/v3/scoped_route.proto, the HCM's
// `scoped_routes`) split it by the request's host: the HCM builds a scope key from
// `:authority` (up to the first ":", so a port never matters), Envoy finds the
// ScopedRouteConfiguration with that exact key, and routes with that scope's own
// RouteConfiguration. Each virtual host becomes one RouteConfiguration
// (`attache-http/<vhost>`) with one scope per domain (`attache-http/<domain>`), so a change
// re-sends, and Envoy rebuilds, one Host's routes.
//
// Scope keys match exactly: a wildcard domain ("*", "*.example.com", "example.*") cannot be a
// key and there is no fallback scope. When any plain-HTTP virtual host has one (the implicit
// catch-all `attache/default` is "*"), the layout is plain RDS. Switching layouts changes the
// HCM, and so the Listener (Envoy drains its connections), only when the first wildcard Host
// appears or the last one goes.
import { perObject } from "./memo.ts";
import { ADS_SOURCE, HTTP_ROUTE_CONFIG, httpRouteConfigName, httpScopeName } from "./resources.ts";
import type { NamedVirtualHostJson } from "./virtualhosts.ts";
import type { RouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/route_pb.ts";
import type { VirtualHostJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { ScopedRouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/scoped_route_pb.ts";
import type { HttpConnectionManagerJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

export type HttpRouteLayout = "rds" | "scoped";

/** The HCM's route specifier: `rds`, or `scoped_routes` (one member of its oneof). */
export type HttpRouteSpecifierJson = Pick<HttpConnectionManagerJson, "rds" | "scoped_routes">;

const isExact = (domain: string): boolean => !domain.includes("*");

/** Scoped when every plain-HTTP virtual host has only exact domains (and there is one). */
export function httpRouteLayout(vhosts: readonly NamedVirtualHostJson[]): HttpRouteLayout {
  if (!vhosts.length) return "rds";
  return vhosts.every((v) => v.domains.every(isExact)) ? "scoped" : "rds";
}

const RDS: HttpRouteSpecifierJson = { rds: { route_config_name: HTTP_ROUTE_CONFIG, config_source: ADS_SOURCE } };

/** HttpConnectionManager.ScopedRoutes: the scope key is the `:authority` header up to the
 *  first ":" (the host without a port), one fragment; scopes and their RouteConfigurations
 *  come over ADS. */
const SCOPED: HttpRouteSpecifierJson = {
  scoped_routes: {
    name: HTTP_ROUTE_CONFIG,
    scope_key_builder: {
      fragments: [{ header_value_extractor: { name: ":authority", element_separator: ":", index: 0 } }],
    },
    rds_config_source: ADS_SOURCE,
    scoped_rds: { scoped_rds_config_source: ADS_SOURCE },
  },
};

/** The HCM fields (`rds` or `scoped_routes`) that select the plain-HTTP listener's routes. */
export function httpRouteSpecifier(layout: HttpRouteLayout): HttpRouteSpecifierJson {
  return layout === "scoped" ? SCOPED : RDS;
}

/** One virtual host's RouteConfiguration; the same object while the virtual host is. */
export const scopedRouteConfiguration = perObject((vhost: NamedVirtualHostJson): RouteConfigurationJson & { name: string } => ({
  name: httpRouteConfigName(vhost.name),
  virtual_hosts: [vhost],
}));

/** The scopes of one virtual host, one per domain; the same objects while the virtual host is. */
export const scopesFor = perObject((vhost: NamedVirtualHostJson): (ScopedRouteConfigurationJson & { name: string })[] =>
  vhost.domains.map((domain) => ({
    name: httpScopeName(domain),
    route_configuration_name: httpRouteConfigName(vhost.name),
    key: { fragments: [{ string_key: domain }] },
  })));

/** Every plain-HTTP virtual host in translated resources, whichever the layout (for
 *  `attache` diagnostics and tests that look a Host's routes up). */
export function httpVirtualHosts(routeConfigs: ReadonlyMap<string, RouteConfigurationJson>): VirtualHostJson[] {
  const inline = routeConfigs.get(HTTP_ROUTE_CONFIG);
  if (inline) return inline.virtual_hosts ?? [];
  const prefix = `${HTTP_ROUTE_CONFIG}/`;
  return [...routeConfigs].filter(([name]) => name.startsWith(prefix)).flatMap(([, rc]) => rc.virtual_hosts ?? []);
}
