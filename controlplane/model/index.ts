// The model stage: ResourceBundle -> { ir: GatewayIR, statuses } (docs/design.md).
// Pure and best-effort: every problem lands in a resource's status, an invalid resource is
// left out, every valid one still routes, and nothing throws on user input.
// Three layers, imported one way: checks/ (each resource on its own), resolve/ (references,
// Host selection, clusters, filters, routes, virtual hosts: the IR) and incremental/ (what is
// kept between runs). With `options.cache` consecutive runs share work: a bundle that differs
// from the last one only in a few Mappings is patched (incremental/incremental.ts: only those
// Mappings, their virtual hosts, clusters and filters are recomputed); any other change runs
// the full build below, which still reuses the IR objects of unchanged inputs
// (resolve/memo.ts, incremental/cache.ts) and replays virtual hosts whose Mappings, Host and
// environment are unchanged (resolve/vhosts.ts).
import type { GatewayIR } from "../ir/types.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { Diagnostics } from "./resolve/diagnostics.ts";
import type { Index, MappingResource } from "./resolve/resources.ts";
import type { Memo } from "./resolve/memo.ts";
import { planHosts, catchAllPlan, HostSelector, CATCH_ALL_NAME } from "./resolve/hosts.ts";
import { Clusters } from "./resolve/clusters.ts";
import { Filters } from "./resolve/filters.ts";
import { bindAuthServices } from "./resolve/auth-services.ts";
import { resolveMapping, composeEntry, type MappingEnv, type MappingRecord } from "./resolve/mapping-records.ts";
import { buildVhost, type VhostState } from "./resolve/vhosts.ts";
import { updateModel } from "./incremental/incremental.ts";
import { stateOptions } from "./incremental/state.ts";
import { createModelCache, type ModelCache } from "./incremental/cache.ts";
import { indexBundle } from "./incremental/index-bundle.ts";
import { DEFAULT_LISTENERS, type ModelOptions, type ModelResult } from "./types.ts";

export type { ModelOptions, ModelResult, ResourceStatus, Condition } from "./types.ts";
export { createModelCache } from "./incremental/cache.ts";

function prepareCache(options: ModelOptions): ModelCache {
  const cache = options.cache ?? createModelCache();
  const key = [options.modules, options.filterSchemas, options.listeners?.http, options.checkKeyPair, options.remoteModules, options.modulesOnProxies];
  if (key.some((value, i) => value !== cache.optionsKey[i])) {
    cache.checks = new WeakMap();
    cache.mappingStates = new WeakMap();
    cache.optionsKey = key;
    cache.state = undefined;
  }
  return cache;
}

export function buildModel(bundle: ResourceBundle, options: ModelOptions): ModelResult {
  const steps = buildModelSteps(bundle, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** `buildModel` as steps: a full build pauses (yields) every few hundred resources, so a
 *  caller can let its event loop turn between them (runner/slices.ts): at 100,000 Mappings
 *  the full build is seconds of CPU. The incremental path is short and runs as one step. */
export function* buildModelSteps(bundle: ResourceBundle, options: ModelOptions): Generator<void, ModelResult, void> {
  const cache = prepareCache(options);
  return (options.cache && updateModel(bundle, options, cache)) || (yield* fullBuild(bundle, options, cache));
}

/** Pauses every this many Mappings, and every this many / 8 virtual hosts. */
const MAPPINGS_PER_STEP = 256;

function* fullBuild(bundle: ResourceBundle, options: ModelOptions, cache: ModelCache): Generator<void, ModelResult, void> {
  const memo = cache.memo;
  const diagnostics = new Diagnostics();
  const { index, statusBefore, nameCounts } = yield* indexBundle(bundle, options, cache, diagnostics);
  yield;
  const { plans, secrets } = planHosts(index, memo, options.checkKeyPair);
  const clusters = new Clusters(index, memo);
  const filters = new Filters(index, options, memo);
  const { bindings: auth, extAuthz } = bindAuthServices(index, plans, clusters, filters, memo);

  const env: MappingEnv = {
    plansByName: new Map(plans.map((p) => [p.name, p])),
    selector: new HostSelector(plans),
    filters,
    hostsToken: memo.get("hosts-token", plans.map((p) => p.host!.object), () => ({})),
    envToken: environmentToken(index, options, memo),
    wildcardHost: plans.some((p) => p.hostname === "*"),
    hasHosts: plans.length > 0,
    mappingStates: cache.mappingStates,
  };
  const records = new Map<string, MappingRecord>();
  const members = new Map<string, MappingResource[]>();
  for (const mapping of index.mappings) {
    if (records.size % MAPPINGS_PER_STEP === MAPPINGS_PER_STEP - 1) yield;
    const record = resolveMapping(mapping, env);
    records.set(mapping.key, record);
    for (const target of record.targets) {
      const list = members.get(target);
      if (list) list.push(mapping);
      else members.set(target, [mapping]);
    }
  }
  // A new list: env.selector keeps `plans` for the incremental path, without the catch-all.
  const withCatchAll = members.has(CATCH_ALL_NAME) ? [...plans, catchAllPlan()] : plans;

  const previous = cache.state?.vhosts;
  const vhosts = new Map<string, VhostState>();
  for (const plan of [...withCatchAll].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (vhosts.size % (MAPPINGS_PER_STEP / 8) === MAPPINGS_PER_STEP / 8 - 1) yield;
    const state: VhostState = { plan, members: members.get(plan.name) ?? [] };
    state.result = buildVhost(plan, state.members, { envToken: env.envToken, clusters, filters, auth: auth.get(plan.name) }, previous?.get(plan.name)?.result);
    vhosts.set(plan.name, state);
  }
  yield;
  let composed = 0;
  for (const record of records.values()) {
    if (++composed % MAPPINGS_PER_STEP === 0) yield;
    composeEntry(record, (name) => vhosts.get(name)?.result?.logs);
  }
  yield;

  const virtualHosts = [...vhosts.values()].map((v) => v.result!.vhost);
  const usedSecrets = new Set(virtualHosts.flatMap((v) => [v.tls?.secretName, v.tls?.clientCa?.secretName]));
  const ir: GatewayIR = {
    listeners: options.listeners ?? DEFAULT_LISTENERS,
    virtualHosts,
    clusters: clusters.build(),
    wasmFilters: filters.build(),
    secrets: secrets.filter((s) => usedSecrets.has(s.name)),
    moduleServer: options.moduleServer,
  };
  if (extAuthz.length) ir.extAuthz = extAuthz;
  memo.sweep();
  const statuses = diagnostics.statuses(options.now ?? new Date().toISOString(), cache.statuses);
  cache.state = { options: stateOptions(options), resources: bundle.resources, statusBefore, nameCounts, env, clusters, filters, auth, records, vhosts, ir, statuses };
  return { ir, statuses };
}

/** Everything besides Mappings and Hosts that routes depend on: when none of it changed
 *  (the usual case: one Mapping edited), cached virtual hosts can be replayed. */
function environmentToken(index: Index, options: ModelOptions, memo: Memo): object {
  const deps: unknown[] = [options.modules, options.filterSchemas, options.remoteModules, options.modulesOnProxies];
  for (const service of index.services.values()) deps.push(service);
  for (const slices of index.endpointSlices.values()) deps.push(...slices);
  for (const filter of index.wasmFilters.values()) deps.push(filter.object);
  for (const configMap of index.configMaps.values()) deps.push(configMap);
  for (const auth of index.authServices) deps.push(auth.object);
  return memo.get("env-token", deps, () => ({}));
}
