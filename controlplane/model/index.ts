// The model stage: ResourceBundle -> { ir: GatewayIR, statuses } (DESIGN.md "Data flow").
// Pure and best-effort: every problem lands in a resource's status, an invalid resource is
// left out, every valid one still routes, and nothing throws on user input. With
// `options.cache` it reuses the IR objects of unchanged inputs (memo.ts, cache.ts): per-resource
// checks and Mapping references are kept per object, and a virtual host whose Mappings, Host and
// environment are unchanged is replayed, not rebuilt (cachedVirtualHost), so a one-Mapping
// change rebuilds one virtual host; the rest of a run is a lookup per resource.
import type { GatewayIR, VirtualHostIR } from "../ir/types.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { Diagnostics, applyDelta, deltaSince, markEntry, type EntryDelta } from "./diagnostics.ts";
import { indexBundle, type Index, type MappingResource } from "./resources.ts";
import { ScopedMemo, type Memo } from "./memo.ts";
import { planHosts, catchAllPlan, HostSelector, CATCH_ALL_NAME, type HostPlan } from "./hosts.ts";
import { Clusters } from "./clusters.ts";
import { Filters } from "./filters.ts";
import { bindAuthServices } from "./auth-services.ts";
import { buildGroupRoute, compareRoutes, type BuiltRoute, type RouteContext } from "./routes.ts";
import { resolveMappingExtras } from "./mapping-refs.ts";
import { createModelCache, type ModelCache } from "./cache.ts";
import { DEFAULT_LISTENERS, type ModelOptions, type ModelResult } from "./types.ts";

export type { ModelOptions, ModelResult, ResourceStatus, Condition } from "./types.ts";
export { createModelCache } from "./cache.ts";

function prepareCache(options: ModelOptions): ModelCache {
  const cache = options.cache ?? createModelCache();
  const key = [options.modules, options.filterSchemas, options.allowUrlServices, options.listeners?.http];
  if (key.some((value, i) => value !== cache.optionsKey[i])) {
    cache.checks = new WeakMap();
    cache.mappingStates = new WeakMap();
    cache.optionsKey = key;
  }
  return cache;
}

export function buildModel(bundle: ResourceBundle, options: ModelOptions): ModelResult {
  const cache = prepareCache(options);
  const memo = cache.memo;
  const diagnostics = new Diagnostics();
  const index = indexBundle(bundle, options, cache, diagnostics);
  const { plans, secrets } = planHosts(index, memo);
  const clusters = new Clusters(index, memo);
  const filters = new Filters(index, options, memo);
  const auth = bindAuthServices(index, plans, clusters, filters, memo, options.allowUrlServices ?? true);

  const plansByName = new Map(plans.map((p) => [p.name, p]));
  const members = new Map<string, MappingResource[]>();
  const selector = new HostSelector(plans);
  const hostsToken = memo.get("hosts-token", plans.map((p) => p.host!.object), () => ({}));
  const envToken = environmentToken(index, options, memo);
  const wildcardHost = plans.some((p) => p.hostname === "*");
  const mappingStates = cache.mappingStates;
  for (const mapping of index.mappings) {
    // Per-Mapping results kept on the (canonical) object: references and Host selection are
    // recomputed only when the Mapping, its environment or the Hosts changed.
    let state = mappingStates.get(mapping.object);
    if (!state) mappingStates.set(mapping.object, (state = {}));
    if (state.envToken !== envToken || state.hostsToken !== hostsToken || !state.resolved) {
      const mark = markEntry(mapping.entry);
      const extra = resolveMappingExtras(mapping, plansByName, filters, memo);
      state.resolved = { extra, delta: deltaSince(mapping.entry, mark) };
      state.envToken = envToken;
      state.hostsToken = hostsToken;
      state.targets = undefined;
    } else if (state.resolved.delta) {
      applyDelta(mapping.entry, state.resolved.delta);
    }
    const extra = state.resolved.extra;
    if (!extra) continue;
    mapping.extras = extra;
    let targets: readonly string[];
    if (mapping.spec.host) targets = [mapping.spec.host.includes("/") ? mapping.spec.host : `${mapping.ref.namespace}/${mapping.spec.host}`];
    else targets = state.targets ??= selector.select(mapping).map((p) => p.name);
    if (targets.length === 0) {
      if (wildcardHost) {
        Diagnostics.invalid(mapping.entry, [{ path: "metadata.labels", message: "no Host selects this Mapping (the Host for \"*\" has a mappingSelector these labels do not match)" }], "NoMatchingHost");
        continue;
      }
      if (plans.length) Diagnostics.note(mapping.entry, "no Host selects this Mapping; it is served by the catch-all virtual host");
      targets = [CATCH_ALL_NAME];
    } else if (!wildcardHost && !mapping.spec.host && (mapping.spec.hostname ?? "*") === "*") {
      // Departure from Emissary: a Mapping for every hostname also answers hostnames no Host
      // names (the catch-all), so adding one TLS Host does not take every other route off
      // the plain listener for other hostnames (e.g. localhost).
      targets = [...targets, CATCH_ALL_NAME];
    }
    for (const target of targets) {
      const list = members.get(target);
      if (list) list.push(mapping);
      else members.set(target, [mapping]);
    }
  }
  if (members.has(CATCH_ALL_NAME)) plans.push(catchAllPlan());

  const virtualHosts: VirtualHostIR[] = [];
  for (const plan of [...plans].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const vhost = cachedVirtualHost(plan, members.get(plan.name) ?? [], envToken, { memo, clusters, filters, auth: auth.get(plan.name) });
    if (vhost) virtualHosts.push(vhost);
  }

  const usedSecrets = new Set(virtualHosts.map((v) => v.tls?.secretName));
  const ir: GatewayIR = {
    listeners: options.listeners ?? DEFAULT_LISTENERS,
    virtualHosts,
    clusters: clusters.build(),
    wasmFilters: filters.build(),
    secrets: secrets.filter((s) => usedSecrets.has(s.name)),
    moduleServer: options.moduleServer,
  };
  memo.sweep();
  return { ir, statuses: diagnostics.statuses(options.now ?? new Date().toISOString(), cache.statuses) };
}

/** Everything besides Mappings and Hosts that routes depend on: when none of it changed
 *  (the usual case: one Mapping edited), cached virtual hosts can be replayed. */
function environmentToken(index: Index, options: ModelOptions, memo: Memo): object {
  const deps: unknown[] = [options.modules, options.filterSchemas];
  for (const service of index.services.values()) deps.push(service);
  for (const slices of index.endpointSlices.values()) deps.push(...slices);
  for (const filter of index.wasmFilters.values()) deps.push(filter.object);
  for (const configMap of index.configMaps.values()) deps.push(configMap);
  for (const auth of index.authServices) deps.push(auth.object);
  return memo.get("env-token", deps, () => ({}));
}

interface VirtualHostResult {
  vhost: VirtualHostIR;
  clusterUses: Parameters<Clusters["use"]>[];
  filterUses: Parameters<Filters["enable"]>[];
  deltas: (EntryDelta | undefined)[];
  /** Route-level cache of the last rebuild, reused by the next one. */
  routeMemo: ScopedMemo;
  replay: boolean;
}

/** A virtual host whose Mappings (same objects, same order), Host and environment are
 *  unchanged is not rebuilt: its recorded cluster uses, filter uses and status changes are
 *  replayed, so a one-Mapping change costs one virtual host plus a lookup per Mapping. */
function cachedVirtualHost(plan: HostPlan, mappings: MappingResource[], envToken: object, ctx: RouteContext): VirtualHostIR | undefined {
  const deps: unknown[] = [envToken, plan.host?.object, plan.tls ? JSON.stringify(plan.tls) : "", plan.insecure, ctx.auth?.settings];
  for (const m of mappings) deps.push(m.object, m.extras);
  const memo = ctx.memo as Memo;
  const key = `vhost-result:${plan.name}`;
  const result = memo.get(key, deps, (): VirtualHostResult => {
    const clusterUses: VirtualHostResult["clusterUses"] = [];
    const filterUses: VirtualHostResult["filterUses"] = [];
    const routeMemo = new ScopedMemo(memo.peek<VirtualHostResult>(key)?.routeMemo.entries);
    const recording: RouteContext = {
      ...ctx,
      memo: routeMemo,
      clusters: {
        use: (...args) => {
          const use = ctx.clusters.use(...args);
          clusterUses.push([args[0], args[1], args[2], args[3], use.name]);
          return use;
        },
      },
      filters: { enable: (...args) => (filterUses.push(args), ctx.filters.enable(...args)) },
    };
    const marks = mappings.map((m) => markEntry(m.entry));
    const vhost = buildVirtualHost(plan, mappings, recording);
    return { vhost, clusterUses, filterUses, deltas: mappings.map((m, i) => deltaSince(m.entry, marks[i])), routeMemo, replay: false };
  });
  if (result.replay) {
    for (const args of result.clusterUses) ctx.clusters.use(...args);
    for (const args of result.filterUses) ctx.filters.enable(...args);
    result.deltas.forEach((delta, i) => delta && applyDelta(mappings[i].entry, delta));
  }
  result.replay = true; // the next run that hits this entry replays it
  return result.vhost;
}

function buildVirtualHost(plan: HostPlan, mappings: MappingResource[], ctx: RouteContext): VirtualHostIR {
  const groups = new Map<string, MappingResource[]>();
  for (const mapping of mappings) {
    const group = groups.get(mapping.info.groupKey);
    if (group) group.push(mapping);
    else groups.set(mapping.info.groupKey, [mapping]);
  }
  const built: BuiltRoute[] = [];
  for (const group of groups.values()) {
    const route = buildGroupRoute(plan, group, ctx);
    if (route) built.push(route);
  }
  built.sort(compareRoutes);
  const routes = built.map((b) => b.route);
  const tlsKey = plan.tls ? JSON.stringify(plan.tls) : "";
  return ctx.memo.get(`vhost:${plan.name}`, [plan.host?.ref, plan.domains.join(","), tlsKey, plan.insecure, ...routes], () => {
    const vhost: VirtualHostIR = { name: plan.name, domains: plan.domains, insecure: plan.insecure, routes };
    if (plan.host) vhost.source = plan.host.ref;
    if (plan.tls) vhost.tls = plan.tls;
    return vhost;
  });
}
