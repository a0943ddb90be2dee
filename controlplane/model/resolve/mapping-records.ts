// One valid Mapping's place in the model: its resolved references, the virtual hosts it
// joins, and how its status is composed. A status is never patched in place: it is composed
// from logs (diagnostics.ts EntryLog) — resolving references, choosing Hosts, then each of
// its virtual hosts in build order — so the incremental path, which rebuilds only some
// virtual hosts, composes exactly the status a from-scratch run writes.
import { Diagnostics, EntryLog, replay, resetEntry, type EntryOp } from "./diagnostics.ts";
import { resolveMappingExtras } from "./mapping-refs.ts";
import { CATCH_ALL_NAME, type HostPlan, type HostSelector } from "./hosts.ts";
import type { Filters } from "./filters.ts";
import type { MappingExtras, MappingResource } from "./resources.ts";

/** The annotation `attache convert` puts on converted objects (compat/emissary/convert.ts). */
export const CONVERTED_FROM = "attache.dev/converted-from";

export interface MappingRecord {
  resource: MappingResource;
  /** Diagnostics of resolving its references and choosing its Hosts. */
  baseOps: readonly EntryOp[];
  /** Names of the virtual hosts it is a route of, in build (name) order; empty if none. */
  targets: readonly string[];
}

/** What the model keeps per (canonical) Mapping object between runs. */
export interface MappingState {
  envToken?: object;
  hostsToken?: object;
  /** Its resolved references and the diagnostics resolving them gave. */
  resolved?: { extra: MappingExtras | undefined; ops: EntryOp[] };
  targets?: readonly string[];
}

/** What choosing Hosts and resolving references needs; fixed between full rebuilds. */
export interface MappingEnv {
  plansByName: Map<string, HostPlan>;
  selector: HostSelector;
  filters: Filters;
  /** Identity of the Hosts (hostsToken) and of everything else routes depend on (envToken). */
  hostsToken: object;
  envToken: object;
  /** A Host serves "*": Mappings no Host selects are rejected instead of going to the catch-all. */
  wildcardHost: boolean;
  hasHosts: boolean;
  mappingStates: WeakMap<object, MappingState>;
}

const byName = (names: readonly string[]) => (names.length > 1 ? [...names].sort() : names);

export function resolveMapping(mapping: MappingResource, env: MappingEnv): MappingRecord {
  // Per-Mapping results kept on the (canonical) object: references and Host selection are
  // recomputed only when the Mapping, its environment or the Hosts changed.
  let state = env.mappingStates.get(mapping.object);
  if (!state) env.mappingStates.set(mapping.object, (state = {}));
  // References depend on the Hosts only through spec.host; keeping the same `extras` object
  // across a Host edit lets unaffected virtual hosts be replayed.
  if (state.envToken !== env.envToken || (mapping.spec.host && state.hostsToken !== env.hostsToken) || !state.resolved) {
    const log = new EntryLog();
    const extra = resolveMappingExtras(mapping, env.plansByName, env.filters, log);
    state.resolved = { extra, ops: log.ops };
    state.envToken = env.envToken;
  }
  if (state.hostsToken !== env.hostsToken) {
    state.hostsToken = env.hostsToken;
    state.targets = undefined;
  }
  const { extra, ops } = state.resolved;
  if (!extra) return { resource: mapping, baseOps: ops, targets: [] };
  mapping.extras = extra;
  const spec = mapping.spec;
  const log = new EntryLog();
  let targets: readonly string[];
  if (spec.host) targets = [spec.host.includes("/") ? spec.host : `${mapping.ref.namespace}/${spec.host}`];
  else targets = state.targets ??= env.selector.select(mapping).map((p) => p.name);
  // Objects `attache convert` wrote keep Emissary's rule: with Hosts present, a Mapping no Host
  // selects is not routed (Emissary only synthesizes a "*" Host when there is no Host at all).
  const annotations = mapping.object.metadata?.annotations as Record<string, unknown> | undefined;
  const converted = typeof annotations?.[CONVERTED_FROM] === "string";
  if (targets.length === 0 && converted && env.hasHosts) {
    Diagnostics.invalid(log, [{ path: "spec.hostname", message: `no Host selects this Mapping (hostname ${JSON.stringify(mapping.info.hostname)}, labels ${JSON.stringify(mapping.labels)}); Emissary does not route it, and neither does Attaché for converted Mappings` }], "NoMatchingHost");
    return { resource: mapping, baseOps: [...ops, ...log.ops], targets: [] };
  }
  if (targets.length === 0) {
    if (env.wildcardHost) {
      Diagnostics.invalid(log, [{ path: "metadata.labels", message: "no Host selects this Mapping (the Host for \"*\" has a mappingSelector these labels do not match)" }], "NoMatchingHost");
      return { resource: mapping, baseOps: [...ops, ...log.ops], targets: [] };
    }
    if (env.hasHosts) Diagnostics.note(log, "no Host selects this Mapping; it is served by the catch-all virtual host");
    targets = [CATCH_ALL_NAME];
  } else if (!converted && !env.wildcardHost && !spec.host && (spec.hostname ?? "*") === "*") {
    // Departure from Emissary: a Mapping for every hostname also answers hostnames no Host
    // names (the catch-all), so adding one TLS Host does not take every other route off
    // the plain listener for other hostnames (e.g. localhost).
    targets = [...targets, CATCH_ALL_NAME];
  }
  return { resource: mapping, baseOps: log.ops.length ? [...ops, ...log.ops] : ops, targets: byName(targets) };
}

/** (Re)write the Mapping's status entry from its logs; `logsOf(vhost)` gives a virtual
 *  host's per-Mapping logs. */
export function composeEntry(record: MappingRecord, logsOf: (vhost: string) => ReadonlyMap<string, readonly EntryOp[]> | undefined): void {
  const entry = record.resource.entry;
  resetEntry(entry);
  replay(entry, record.baseOps);
  for (const name of record.targets) {
    const ops = logsOf(name)?.get(record.resource.key);
    if (ops) replay(entry, ops);
  }
}
