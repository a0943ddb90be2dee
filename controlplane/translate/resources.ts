// The translator's output: Envoy resources as proto3 JSON in Envoy's config style (snake_case
// names, durations "3s", Any as {"@type": ...}), typed by the `*Json` types generated from
// Envoy's protos (protos/gen), grouped by type URL and keyed by resource name, ready for
// protos/json.ts `encodeJson` and the xDS snapshot cache.
import type { ConfigSourceJson } from "../../protos/gen/envoy/config/core/v3/config_source_pb.ts";
import { TYPE_URL, type ResourceJson, type ResourcesByType, type ResourceTypeUrl } from "../../protos/type-urls.ts";

export { packAny } from "../../protos/json.ts";
export type { ResourceJson };

export const TYPE = TYPE_URL;

/** Short names for the CLI (`attache translate --type routes`) and the golden files. */
export const SHORT_TYPE_NAMES: Record<string, ResourceTypeUrl> = {
  listeners: TYPE.listener,
  routes: TYPE.routeConfiguration,
  scopes: TYPE.scopedRouteConfiguration,
  clusters: TYPE.cluster,
  endpoints: TYPE.clusterLoadAssignment,
  secrets: TYPE.secret,
  extensions: TYPE.typedExtensionConfig,
};

/** Type URL -> resource name -> resource. Unchanged resources keep their identity (===)
 *  between translations of IRs that share objects, so the xDS cache can skip re-encoding. */
export type XdsResources = ResourcesByType;

export { emptyResources } from "../../protos/type-urls.ts";

// Resource names; ARCHITECTURE.md shows how they split the configuration.
export const HTTP_LISTENER = "attache-http";
export const HTTPS_LISTENER = "attache-https";
/** The plain-HTTP RouteConfiguration (every Host's virtual host inline), or, in the scoped
 *  layout (scopedroutes.ts), the name of the listener's scoped routes. */
export const HTTP_ROUTE_CONFIG = "attache-http";
/** Scoped layout: one RouteConfiguration per virtual host, and one scope per domain. */
export const httpRouteConfigName = (vhost: string): string => `${HTTP_ROUTE_CONFIG}/${vhost}`;
export const httpScopeName = (domain: string): string => `${HTTP_ROUTE_CONFIG}/${domain}`;
export const httpsRouteConfigName = (vhost: string): string => `${HTTPS_LISTENER}/${vhost}`;

/** ADS as the config source of every dynamic reference (RDS, EDS, SDS, ECDS). */
export const ADS_SOURCE: ConfigSourceJson = { ads: {}, resource_api_version: "V3" };
