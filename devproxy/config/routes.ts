// Compiles RouteConfigurations (virtual hosts inline) into a lookup
// table with Envoy's semantics (route_components.proto): first matching route wins;
// weighted clusters honour `header_name`; per-route `typed_per_filter_config` switches
// disabled HCM filters on (FilterConfig) and carries the CORS policy.
import { compileRouteMatch, compileStringMatcher, DomainIndex, re2, type CompiledRouteMatch, type RequestView, type StringPredicate } from "./matchers.ts";
import { protoDurationToMs } from "../../protos/duration.ts";
import { routeMetadataProperties } from "./route-metadata.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import type { HeaderValueOptionJson, RuntimeFractionalPercentJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import {
  FilterConfigSchema, type RedirectAction_RedirectResponseCodeJson, type RetryPolicyJson, type RouteActionJson, type RouteJson, type VirtualHostJson,
} from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { RouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/route_pb.ts";
import { CorsPolicySchema } from "../../protos/gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import { CustomResponseSchema } from "../../protos/gen/envoy/extensions/filters/http/custom_response/v3/custom_response_pb.ts";
import { LocalResponsePolicySchema } from "../../protos/gen/envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy_pb.ts";
import { HttpResponseStatusCodeMatchInputSchema } from "../../protos/gen/envoy/type/matcher/v3/status_code_input_pb.ts";
import { unpackAny } from "../../protos/json.ts";

export interface HeaderAdd { name: string; value: string; action: "append" | "addIfAbsent" | "overwrite" | "overwriteIfExists" }

export interface HeaderEdits {
  requestAdd: HeaderAdd[];
  requestRemove: string[];
  responseAdd: HeaderAdd[];
  responseRemove: string[];
}

export interface CorsPolicy {
  origins: StringPredicate[];
  methods: string;
  headers: string;
  exposeHeaders: string;
  maxAge?: string;
  credentials: boolean;
}

export interface RetryPolicy { retryOn: Set<string>; numRetries: number; perTryTimeoutMs?: number; statuses: Set<number> }

export interface ForwardAction {
  kind: "route";
  clusters: Array<{ name: string; weight: number }>;
  totalWeight: number;
  /** WeightedCluster.header_name: pick by (header value as u64) % total weight. */
  headerName?: string;
  prefixRewrite?: string;
  matchedPrefix?: string;
  regexRewrite?: { pattern: ReturnType<typeof re2>; substitution: string };
  hostRewrite?: string;
  /** auto_host_rewrite: Host = the endpoint's DNS name (STRICT_DNS / LOGICAL_DNS clusters). */
  autoHostRewrite: boolean;
  timeoutMs: number; // 0 = no timeout
  idleTimeoutMs?: number;
  retry?: RetryPolicy;
  mirrors: Array<{ cluster: string; fraction: number }>;
  upgrades: Set<string>;
}

export interface RedirectAction {
  kind: "redirect";
  scheme?: string;
  host?: string;
  path?: string;
  prefixRewrite?: string;
  matchedPrefix?: string;
  regexRewrite?: { pattern: ReturnType<typeof re2>; substitution: string };
  status: number;
}

/** A custom_response LocalResponsePolicy body for one status code (errorresponses.ts). */
export interface ErrorOverride { format: { text?: string; json?: JsonObject }; contentType: string }

export interface DirectAction { kind: "direct"; status: number; body: string }

export interface CompiledRoute {
  name: string;
  match: CompiledRouteMatch;
  action: ForwardAction | RedirectAction | DirectAction;
  /** Filters a route explicitly enables (true) or disables (false). */
  filterOverrides: Map<string, boolean>;
  cors?: CorsPolicy;
  headers: HeaderEdits;
  /** Per-route custom_response overrides by response status. */
  errorOverrides?: Map<number, ErrorOverride>;
  /** The route's metadata as Wasm properties (route-metadata.ts): joined key -> value. */
  metadataProperties: ReadonlyMap<string, Uint8Array>;
}

export interface CompiledVirtualHost { name: string; routes: CompiledRoute[] }

export class RouteTable {
  constructor(readonly name: string, private readonly hosts: DomainIndex<CompiledVirtualHost>) {}

  select(host: string, req: RequestView): { vhost: CompiledVirtualHost; route: CompiledRoute } | undefined {
    const vhost = this.hosts.lookup(host);
    if (!vhost) return undefined;
    for (const route of vhost.routes) if (route.match.test(req)) return { vhost, route };
    return undefined;
  }
}

const CORS_FILTER = "envoy.filters.http.cors";
const CUSTOM_RESPONSE_FILTER = "envoy.filters.http.custom_response";

/** The subset of CustomResponse the translator writes: a matcher_list of exact status-code
 *  matches, each with a LocalResponsePolicy body_format (custom_response.proto). */
function compileErrorOverrides(config: AnyJson | undefined, where: string): Map<number, ErrorOverride> | undefined {
  const matchers = unpackAny(config, CustomResponseSchema)?.custom_response_matcher?.matcher_list?.matchers;
  if (!matchers) return undefined;
  const out = new Map<number, ErrorOverride>();
  matchers.forEach((m, i) => {
    const single = m.predicate?.single_predicate;
    const policy = unpackAny(m.on_match?.action?.typed_config, LocalResponsePolicySchema);
    if (!unpackAny(single?.input?.typed_config, HttpResponseStatusCodeMatchInputSchema) || single?.value_match?.exact === undefined || !policy) {
      throw new Error(`${where}.matchers[${i}]: only status-code matches with a LocalResponsePolicy are supported`);
    }
    const format = policy.body_format ?? {};
    out.set(Number(single.value_match.exact), {
      format: format.json_format !== undefined ? { json: format.json_format } : { text: format.text_format_source?.inline_string ?? format.text_format ?? policy.body?.inline_string ?? "" },
      contentType: format.content_type ?? (format.json_format !== undefined ? "application/json" : "text/plain"),
    });
  });
  return out;
}
const REDIRECT_CODES: Record<RedirectAction_RedirectResponseCodeJson, number> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

function headerAdds(list: HeaderValueOptionJson[] | undefined): HeaderAdd[] {
  return (list ?? []).map((h) => {
    const action = h.append_action ?? (h.append === false ? "OVERWRITE_IF_EXISTS_OR_ADD" : "APPEND_IF_EXISTS_OR_ADD");
    return {
      name: (h.header?.key ?? "").toLowerCase(),
      value: h.header?.value ?? "",
      action: action === "ADD_IF_ABSENT" ? "addIfAbsent"
        : action === "OVERWRITE_IF_EXISTS_OR_ADD" ? "overwrite"
        : action === "OVERWRITE_IF_EXISTS" ? "overwriteIfExists" : "append",
    };
  });
}

/** The header-editing fields Route and VirtualHost share. */
type HeaderEditFields = Pick<RouteJson & VirtualHostJson, "request_headers_to_add" | "request_headers_to_remove" | "response_headers_to_add" | "response_headers_to_remove">;

function edits(o: HeaderEditFields): HeaderEdits {
  return {
    requestAdd: headerAdds(o.request_headers_to_add),
    requestRemove: (o.request_headers_to_remove ?? []).map((s) => s.toLowerCase()),
    responseAdd: headerAdds(o.response_headers_to_add),
    responseRemove: (o.response_headers_to_remove ?? []).map((s) => s.toLowerCase()),
  };
}

/** Route-level edits apply after (inside) virtual-host ones, as in Envoy. */
function mergeEdits(vhost: HeaderEdits, route: HeaderEdits): HeaderEdits {
  return {
    requestAdd: [...vhost.requestAdd, ...route.requestAdd],
    requestRemove: [...vhost.requestRemove, ...route.requestRemove],
    responseAdd: [...route.responseAdd, ...vhost.responseAdd],
    responseRemove: [...route.responseRemove, ...vhost.responseRemove],
  };
}

function compileCors(config: AnyJson | undefined, where: string): CorsPolicy | undefined {
  const p = unpackAny(config, CorsPolicySchema);
  if (!p) return undefined;
  return {
    origins: (p.allow_origin_string_match ?? []).map((m, i) => compileStringMatcher(m, `${where}.allow_origin_string_match[${i}]`)),
    methods: p.allow_methods ?? "",
    headers: p.allow_headers ?? "",
    exposeHeaders: p.expose_headers ?? "",
    maxAge: p.max_age,
    credentials: p.allow_credentials === true,
  };
}

function filterOverrides(tpfc: { [filter: string]: AnyJson } | undefined): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const [name, any] of Object.entries(tpfc ?? {})) {
    const filterConfig = unpackAny(any, FilterConfigSchema);
    if (filterConfig) out.set(name, !filterConfig.disabled);
    else if (name !== CORS_FILTER && name !== CUSTOM_RESPONSE_FILTER) out.set(name, true);
  }
  return out;
}

function compileRetry(r: RetryPolicyJson | undefined): RetryPolicy | undefined {
  if (!r) return undefined;
  return {
    retryOn: new Set((r.retry_on ?? "").split(",").map((s) => s.trim()).filter(Boolean)),
    numRetries: r.num_retries ?? 1,
    perTryTimeoutMs: r.per_try_timeout ? protoDurationToMs(r.per_try_timeout) : undefined,
    statuses: new Set<number>(r.retriable_status_codes ?? []),
  };
}

function compileForward(a: RouteActionJson, prefix: string | undefined, where: string): ForwardAction {
  let clusters: Array<{ name: string; weight: number }>;
  let headerName: string | undefined;
  if (a.cluster) clusters = [{ name: a.cluster, weight: 1 }];
  else if (a.weighted_clusters) {
    clusters = (a.weighted_clusters.clusters ?? []).map((c) => ({ name: c.name ?? "", weight: c.weight ?? 0 }));
    headerName = a.weighted_clusters.header_name?.toLowerCase();
  } else throw new Error(`${where}: route action needs cluster or weighted_clusters`);
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  if (totalWeight <= 0) throw new Error(`${where}.weighted_clusters: total weight must be positive`);
  const fraction = (f: RuntimeFractionalPercentJson | undefined): number => {
    if (!f) return 1;
    const denom = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 }[f.default_value?.denominator ?? "HUNDRED"];
    return (f.default_value?.numerator ?? 0) / denom;
  };
  return {
    kind: "route",
    clusters,
    totalWeight,
    headerName,
    prefixRewrite: a.prefix_rewrite,
    matchedPrefix: prefix,
    regexRewrite: a.regex_rewrite
      ? { pattern: re2(a.regex_rewrite.pattern?.regex ?? ""), substitution: (a.regex_rewrite.substitution ?? "").replace(/\\(\d)/g, "$$$1") }
      : undefined,
    hostRewrite: a.host_rewrite_literal,
    autoHostRewrite: a.auto_host_rewrite === true,
    // RouteAction.timeout defaults to 15 s; 0 disables it.
    timeoutMs: a.timeout === undefined ? 15_000 : protoDurationToMs(a.timeout),
    idleTimeoutMs: a.idle_timeout ? protoDurationToMs(a.idle_timeout) : undefined,
    retry: compileRetry(a.retry_policy),
    mirrors: (a.request_mirror_policies ?? []).map((m) => ({ cluster: m.cluster ?? "", fraction: fraction(m.runtime_fraction) })),
    upgrades: new Set((a.upgrade_configs ?? []).filter((u) => u.enabled !== false).map((u) => (u.upgrade_type ?? "").toLowerCase())),
  };
}

function compileRoute(r: RouteJson, vhostEdits: HeaderEdits, vhostCors: CorsPolicy | undefined, vhostFilters: Map<string, boolean>, where: string): CompiledRoute {
  const match = compileRouteMatch(r.match ?? {}, `${where}.match`);
  let action: CompiledRoute["action"];
  if (r.route) action = compileForward(r.route, match.prefix, `${where}.route`);
  else if (r.redirect) {
    const d = r.redirect;
    action = {
      kind: "redirect",
      scheme: d.https_redirect ? "https" : d.scheme_redirect,
      host: d.host_redirect,
      path: d.path_redirect,
      prefixRewrite: d.prefix_rewrite,
      matchedPrefix: match.prefix,
      regexRewrite: d.regex_rewrite
        ? { pattern: re2(d.regex_rewrite.pattern?.regex ?? ""), substitution: (d.regex_rewrite.substitution ?? "").replace(/\\(\d)/g, "$$$1") }
        : undefined,
      status: REDIRECT_CODES[d.response_code ?? "MOVED_PERMANENTLY"] ?? 301,
    };
  } else if (r.direct_response) {
    action = { kind: "direct", status: r.direct_response.status ?? 0, body: r.direct_response.body?.inline_string ?? "" };
  } else throw new Error(`${where}: route needs route, redirect or direct_response`);
  const overrides = new Map(vhostFilters);
  for (const [k, v] of filterOverrides(r.typed_per_filter_config)) overrides.set(k, v);
  return {
    name: r.name ?? "",
    match,
    action,
    filterOverrides: overrides,
    cors: compileCors(r.typed_per_filter_config?.[CORS_FILTER], `${where}.typed_per_filter_config.cors`) ?? vhostCors,
    headers: mergeEdits(vhostEdits, edits(r)),
    errorOverrides: compileErrorOverrides(r.typed_per_filter_config?.[CUSTOM_RESPONSE_FILTER], `${where}.typed_per_filter_config.custom_response`),
    metadataProperties: routeMetadataProperties(r.metadata),
  };
}

export function compileVirtualHost(v: VirtualHostJson, where: string): CompiledVirtualHost {
  const vhostEdits = edits(v);
  const cors = compileCors(v.typed_per_filter_config?.[CORS_FILTER], `${where}.typed_per_filter_config.cors`);
  const filters = filterOverrides(v.typed_per_filter_config);
  return {
    name: v.name ?? "",
    routes: (v.routes ?? []).map((r, i) => compileRoute(r, vhostEdits, cors, filters, `${where}.routes[${i}]`)),
  };
}

/** A RouteConfiguration with its virtual hosts inline (plain RDS, what the control plane
 *  serves). VHDS is refused: a table whose hosts would arrive separately cannot be served. */
export function compileRouteTable(rc: RouteConfigurationJson): RouteTable {
  if (rc.vhds) throw new Error(`RouteConfiguration ${rc.name}.vhds: not supported (virtual hosts must be inline)`);
  const index = new DomainIndex<CompiledVirtualHost>();
  (rc.virtual_hosts ?? []).forEach((v, i) => {
    const where = `RouteConfiguration ${rc.name}.virtual_hosts[${i}]`;
    const compiled = compileVirtualHost(v, where);
    for (const d of v.domains ?? []) index.add(d, compiled, `${where}.domains`);
  });
  return new RouteTable(rc.name ?? "", index.finish());
}
