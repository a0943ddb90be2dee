// One route per group of Mappings with the same match (Emissary "Mapping group") in one
// virtual host: canary weights, shadows, filters, and the route order rule.
//
// Weights (Emissary normalization): a lone Mapping gets 100; Mappings without `weight` share
// what the weighted ones leave (integer split, the remainder to the first by name); weights
// summing over 100 are an error on every weighted Mapping of the group (left out, the rest
// still route); when all are weighted and sum below 100, the primary gets the rest. Backends
// are listed canary first (every non-primary Mapping, by name) and the primary last, so with
// WeightedCluster.header_name a ramp-up only moves users onto the canary.
// The primary Mapping — whose name is the route name and whose settings (timeouts, rewrites,
// headers, filters...) the route uses — is the first unweighted Mapping by name, else the one
// with the largest weight. `shadow: true` Mappings become request mirrors (percent = weight,
// default 100); one shadow per group.
import type { RouteFilterIR, RouteIR, RouteMatchIR, WeightedBackendIR, MirrorIR, RouteActionIR } from "../../ir/types.ts";
import { Diagnostics, type DiagnosticTarget } from "./diagnostics.ts";
import type { FilterBase, MappingResource } from "./resources.ts";
import type { MemoLike } from "./memo.ts";
import type { Clusters } from "./clusters.ts";
import { ROUTE_NAME_IN_SETTINGS, type Filters } from "./filters.ts";
import type { AuthBinding } from "./auth-services.ts";
import { globToAuthorityRegex } from "../checks/glob.ts";
import type { HostPlan } from "./hosts.ts";

export interface RouteContext {
  memo: MemoLike;
  /** Where a Mapping's diagnostics from this virtual host go (a log replayed into its status). */
  entryOf: (mapping: MappingResource) => DiagnosticTarget;
  clusters: Pick<Clusters, "use">;
  filters: Pick<Filters, "enable">;
  auth?: AuthBinding;
}

const byName = (a: MappingResource, b: MappingResource) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export interface BuiltRoute {
  route: RouteIR;
  precedence: number;
  /** The primary Mapping (route order reads its match as written). */
  source: MappingResource;
}

export function buildGroupRoute(plan: HostPlan, group: MappingResource[], ctx: RouteContext): BuiltRoute | undefined {
  const members = [...group].sort(byName);
  const shadows = members.filter((m) => m.spec.shadow);
  let normal = members.filter((m) => !m.spec.shadow);
  if (normal.length === 0) {
    for (const s of shadows) Diagnostics.invalid(ctx.entryOf(s), [{ path: "spec.shadow", message: "no non-shadow Mapping has the same match, so there is no traffic to mirror" }], "NoPrimary");
    return undefined;
  }
  for (const extra of shadows.slice(1)) {
    Diagnostics.invalid(ctx.entryOf(extra), [{ path: "spec.shadow", message: `only one shadow Mapping per match; ${shadows[0].key} already shadows it` }], "Conflicted");
  }
  const weighted = normal.filter((m) => m.spec.weight !== undefined);
  const sum = weighted.reduce((total, m) => total + m.spec.weight!, 0);
  if (normal.length > 1 && sum > 100) {
    const detail = weighted.map((m) => `${m.key}=${m.spec.weight}`).join(", ");
    for (const m of weighted) Diagnostics.invalid(ctx.entryOf(m), [{ path: "spec.weight", message: `weights of the Mappings with the same match sum to ${sum} (over 100): ${detail}` }], "InvalidWeights");
    normal = normal.filter((m) => m.spec.weight === undefined);
    if (normal.length === 0) return undefined;
  }
  // A redirect Mapping answers for its whole match: the others of the group get no traffic.
  const redirector = normal.find((m) => m.info.redirect);
  if (redirector) normal = [redirector];
  const weights = normalize(normal);
  const unweighted = normal.filter((m) => m.spec.weight === undefined);
  const primary = unweighted[0] ?? [...normal].sort((a, b) => b.spec.weight! - a.spec.weight! || byName(a, b))[0];
  for (const m of members) {
    if (m === primary) continue;
    Diagnostics.noteIfValid(ctx.entryOf(m), redirector ? `route ${primary.key} redirects every request of this match; this Mapping gets no traffic` : `part of route ${primary.key} (its settings apply)`);
  }

  const ordered = [...normal.filter((m) => m !== primary), primary];
  const backends: WeightedBackendIR[] = redirector ? [] : ordered.map((m) => ({ cluster: clusterOf(m, ctx), weight: weights.get(m)!, source: m.ref }));
  const shadow = redirector ? undefined : shadows[0];
  const mirrors: MirrorIR[] = shadow ? [{ cluster: clusterOf(shadow, ctx), percent: shadow.spec.weight ?? 100, source: shadow.ref }] : [];

  const routeName = primary.key;
  const routeFilters: { base: FilterBase; settings: Record<string, unknown> }[] = [];
  const extAuthz = ctx.auth && !primary.spec.bypassAuth && "extAuthz" in ctx.auth ? ctx.auth.extAuthz : undefined;
  if (ctx.auth && !primary.spec.bypassAuth && "filter" in ctx.auth) routeFilters.push({ base: ctx.auth.filter, settings: ctx.auth.settings });
  routeFilters.push(...primary.extras!.filters);
  // Sticky canary: the canary filter writes a hash into `hashHeader`, Envoy picks
  // hash % totalWeight against the cumulative weights (canary backends first); the filter's
  // override header needs the canary share, hence canaryWeight/totalWeight in its settings.
  const canaryOwner = members.find((m) => m.extras!.canary);
  const canary = canaryOwner?.extras!.canary;
  const stickyHeader = canary?.hashHeader;
  if (canary) {
    const canaryWeight = backends.slice(0, -1).reduce((total, b) => total + b.weight, 0);
    const settings = ctx.memo.get(`canary-settings:${plan.name}:${primary.info.groupKey}`, [canary.spec, canaryWeight], () =>
      ({ ...canary.spec.config, hashHeader: canary.hashHeader, totalWeight: 100, canaryWeight }));
    routeFilters.push({ base: canary.base, settings });
  }
  routeFilters.sort((a, b) => a.base.order - b.base.order || a.base.name.localeCompare(b.base.name));
  for (const f of routeFilters) ctx.filters.enable(f.base, routeName, f.settings);

  const needsAuthority = primary.info.hostname !== "*" && primary.info.hostname !== plan.hostname;
  const deps: unknown[] = [needsAuthority ? primary.info.hostname : "", stickyHeader, primary.info, members.length, extAuthz];
  for (const m of members) deps.push(m.ref);
  for (const b of backends) deps.push(b.cluster, b.weight, b.source);
  for (const m of mirrors) deps.push(m.cluster, m.percent, m.source);
  for (const f of routeFilters) deps.push(f.base.name, f.base.schemaName, f.settings);

  const route = ctx.memo.get(`route:${plan.name}:${primary.info.groupKey}`, deps, (): RouteIR => {
    const info = primary.info;
    const match: RouteMatchIR = needsAuthority
      ? { ...info.match, headers: [...info.match.headers, { name: ":authority", regex: globToAuthorityRegex(info.hostname) }] }
      : info.match;
    const filters: RouteFilterIR[] = routeFilters.map((f) => ({
      filter: f.base.name, settings: f.settings,
      ...(ROUTE_NAME_IN_SETTINGS.has(f.base.schemaName ?? "") ? { routeNameInSettings: true as const } : {}),
    }));
    const route: RouteIR = { name: routeName, sources: members.map((m) => m.ref), match, action: info.redirect ?? forwardAction(), filters };
    if (extAuthz) route.extAuthz = extAuthz;
    if (info.errorOverrides) route.errorOverrides = info.errorOverrides;
    return route;
  });
  return { route, precedence: primary.spec.precedence ?? 0, source: primary };

  function forwardAction(): RouteActionIR {
    const info = primary.info;
    const action: RouteActionIR = {
      kind: "route",
      backends,
      timeoutMs: info.timeoutMs,
      headers: info.headers,
      mirrors,
      upgrades: info.upgrades,
    };
    if (stickyHeader) action.stickyHeader = stickyHeader;
    if (info.prefixRewrite !== undefined) action.prefixRewrite = info.prefixRewrite;
    if (info.regexRewrite) action.regexRewrite = info.regexRewrite;
    if (info.hostRewrite) action.hostRewrite = info.hostRewrite;
    if (info.autoHostRewrite) action.autoHostRewrite = true;
    if (info.idleTimeoutMs !== undefined) action.idleTimeoutMs = info.idleTimeoutMs;
    if (info.retry) action.retry = info.retry;
    if (info.cors) action.cors = info.cors;
    if (info.hashPolicy) action.hashPolicy = info.hashPolicy;
    return action;
  }
}

function clusterOf(m: MappingResource, ctx: RouteContext): string {
  const use = ctx.clusters.use(m.info.service!, m.info.cluster, m.info.clusterSettingsKey, m.ref);
  if (use.problem) Diagnostics.unresolved(ctx.entryOf(m), { path: "spec.service", message: use.problem }, "BackendNotFound", false);
  else if (use.note) Diagnostics.noteIfValid(ctx.entryOf(m), `spec.service: ${use.note}`);
  return use.name;
}

function normalize(normal: MappingResource[]): Map<MappingResource, number> {
  const weights = new Map<MappingResource, number>();
  if (normal.length === 1) return weights.set(normal[0], 100);
  const unweighted = normal.filter((m) => m.spec.weight === undefined);
  let sum = 0;
  for (const m of normal) if (m.spec.weight !== undefined) {
    weights.set(m, m.spec.weight);
    sum += m.spec.weight;
  }
  const rest = 100 - sum;
  if (unweighted.length) {
    const share = Math.floor(rest / unweighted.length);
    unweighted.forEach((m, i) => weights.set(m, share + (i === 0 ? rest - share * unweighted.length : 0)));
  } else if (rest > 0) {
    const primary = [...normal].sort((a, b) => b.spec.weight! - a.spec.weight! || byName(a, b))[0];
    weights.set(primary, weights.get(primary)! + rest);
  }
  return weights;
}

/** Emissary's route weight (irhttpmapping.py `_route_weight`), compared highest first:
 *  precedence; length of the path match as written (prefix, exact path or regex alike);
 *  summed length of the header matchers (name + value, "*" for presence, +1 for a regex;
 *  a method match counts as the header ":method"); the same for query parameters; then the
 *  path text, the method ("GET" when none), the header keys and the query keys, each
 *  compared as strings, highest first. The route name breaks the remaining ties, so the order
 *  never depends on input order. The :authority match a route gets for a hostname narrower
 *  than its Host's is not part of the weight (Emissary matches hostnames by virtual host). */
interface RouteWeight {
  precedence: number;
  text: string;
  headerLength: number;
  queryLength: number;
  method: string;
  headerKeys: string[];
  queryKeys: string[];
}

const weights = new WeakMap<RouteMatchIR, RouteWeight>();

function matcherLength(m: { name: string; exact?: string; regex?: string }): number {
  return m.name.length + (m.exact ?? m.regex ?? "*").length + (m.regex !== undefined ? 1 : 0);
}

function weightOf(match: RouteMatchIR, precedence: number): RouteWeight {
  let w = weights.get(match);
  if (!w || w.precedence !== precedence) {
    const headers = match.method ? [{ name: ":method", exact: match.method }, ...match.headers] : match.headers;
    w = {
      precedence,
      text: match.path ?? match.regex ?? match.prefix ?? "",
      headerLength: headers.reduce((n, h) => n + matcherLength(h), 0),
      queryLength: match.queryParameters.reduce((n, q) => n + matcherLength(q), 0),
      method: match.method ?? "GET",
      headerKeys: headers.map((h) => `${h.name}-${h.exact ?? h.regex ?? "*"}`),
      queryKeys: match.queryParameters.map((q) => `${q.name}-${q.exact ?? q.regex ?? "*"}`),
    };
    weights.set(match, w);
  }
  return w;
}

const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

function descLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return desc(a[i]!, b[i]!);
  return b.length - a.length;
}

/** Route order within a virtual host (first match wins in Envoy): Emissary's (above). */
export function compareRoutes(a: BuiltRoute, b: BuiltRoute): number {
  const wa = weightOf(a.source.info.match, a.precedence);
  const wb = weightOf(b.source.info.match, b.precedence);
  return wb.precedence - wa.precedence
    || wb.text.length - wa.text.length
    || wb.headerLength - wa.headerLength
    || wb.queryLength - wa.queryLength
    || desc(wa.text, wb.text)
    || desc(wa.method, wb.method)
    || descLists(wa.headerKeys, wb.headerKeys)
    || descLists(wa.queryKeys, wb.queryKeys)
    || (a.route.name < b.route.name ? -1 : a.route.name > b.route.name ? 1 : 0);
}
