// Scoped routes (SRDS), as Envoy's HCM resolves them: the HCM's `scoped_routes` says how to
// build a scope key from request headers (http_connection_manager.proto
// ScopedRoutes.ScopeKeyBuilder: header value fragments), each ScopedRouteConfiguration
// (config/route/v3/scoped_route.proto) maps one exact key to a RouteConfiguration by name,
// and the request is routed with that RouteConfiguration. No scope for the key: no route
// (404, as Envoy answers). The subset the control plane emits: header fragments, each either
// the whole value or one element split by a separator; inline scope route configurations and
// on-demand scopes are refused.
import type { IncomingHttpHeaders } from "node:http";
import type { ScopedRouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/scoped_route_pb.ts";
import type { ScopedRoutesJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

export interface HeaderFragment { header: string; separator: string; index: number }

export interface ScopedRoutesConfig { name: string; fragments: HeaderFragment[] }

/** HttpConnectionManager.scoped_routes -> how the key is built. */
export function compileScopedRoutes(scoped: ScopedRoutesJson, where: string): ScopedRoutesConfig {
  if (!scoped.scoped_rds) throw new Error(`${where}.scoped_routes: only scoped_rds is supported (scopes over xDS)`);
  const fragments = (scoped.scope_key_builder?.fragments ?? []).map((f, i): HeaderFragment => {
    const extractor = f.header_value_extractor;
    const at = `${where}.scoped_routes.scope_key_builder.fragments[${i}]`;
    if (!extractor?.name) throw new Error(`${at}: needs header_value_extractor.name`);
    if (extractor.element) throw new Error(`${at}.header_value_extractor.element: not supported (use index)`);
    return { header: extractor.name.toLowerCase(), separator: extractor.element_separator ?? "", index: extractor.index ?? 0 };
  });
  if (!fragments.length) throw new Error(`${where}.scoped_routes.scope_key_builder.fragments: empty`);
  return { name: scoped.name ?? "", fragments };
}

/** The NUL-joined fragments of a scope key; fragments never contain NUL. */
const joinKey = (fragments: string[]): string => fragments.join("\u0000");

/** ScopedRouteConfigurations -> key -> RouteConfiguration name. Two scopes with one key are
 *  refused, as Envoy refuses them. */
export function compileScopes(scopes: ReadonlyMap<string, ScopedRouteConfigurationJson>): Map<string, string> {
  const byKey = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const [name, scope] of scopes) {
    const where = `ScopedRouteConfiguration ${name}`;
    if (scope.route_configuration) throw new Error(`${where}.route_configuration: not supported (name a RouteConfiguration)`);
    if (scope.on_demand) throw new Error(`${where}.on_demand: not supported`);
    if (!scope.route_configuration_name) throw new Error(`${where}.route_configuration_name: required`);
    const fragments = (scope.key?.fragments ?? []).map((f, i) => {
      if (f.string_key === undefined) throw new Error(`${where}.key.fragments[${i}]: needs string_key`);
      return f.string_key;
    });
    if (!fragments.length) throw new Error(`${where}.key.fragments: empty`);
    const key = joinKey(fragments);
    const other = owner.get(key);
    if (other) throw new Error(`${where}.key: the same key as ScopedRouteConfiguration ${other}`);
    owner.set(key, name);
    byKey.set(key, scope.route_configuration_name);
  }
  return byKey;
}

/** The request's scope key, or undefined when a fragment cannot be built (Envoy then has no
 *  scope, so no route). `authority` is the request's `:authority` / Host. */
export function scopeKeyOf(config: ScopedRoutesConfig, authority: string, headers: IncomingHttpHeaders): string | undefined {
  const parts: string[] = [];
  for (const f of config.fragments) {
    const raw = f.header === ":authority" || f.header === "host" ? authority : headers[f.header];
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    if (value === undefined) return undefined;
    const element = f.separator ? value.split(f.separator)[f.index] : value;
    if (element === undefined) return undefined;
    parts.push(element);
  }
  return joinKey(parts);
}
