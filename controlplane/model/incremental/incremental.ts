// The incremental path: when a bundle differs from the last one only in a few Mapping
// documents, patch the last model instead of rebuilding it. Sources keep the same object for
// an unchanged resource (sources/bundle.ts), so the change is found by identity in the common
// prefix and suffix of the two resource lists; only the changed Mappings are checked and
// resolved, only the virtual hosts they leave or join are rebuilt (their cluster and filter
// uses withdrawn and registered again), and only the statuses whose logs changed are
// composed again. Arrays in the result are patched copies (binary search, splice), so a
// one-Mapping change costs O(changed) lookups plus a few array copies, not a visit per resource.
// Anything else (Hosts, WasmFilters, AuthServices, Services, EndpointSlices, Secrets,
// ConfigMaps, unsupported or unnamed documents, changed documents with duplicate names,
// options) returns undefined
// and the caller runs the full build, which produces exactly what this patch would.
import type { GatewayIR, VirtualHostIR } from "../../ir/types.ts";
import type { BundleResource, ResourceBundle } from "../../sources/bundle.ts";
import { sameOps, statusOf, type StatusEntry } from "../resolve/diagnostics.ts";
import { identify } from "../resolve/resources.ts";
import { indexMapping } from "./index-bundle.ts";
import { catchAllPlan, CATCH_ALL_NAME } from "../resolve/hosts.ts";
import { resolveMapping, composeEntry, type MappingRecord } from "../resolve/mapping-records.ts";
import { buildVhost, withdrawVhost } from "../resolve/vhosts.ts";
import { putSorted, removeSorted } from "../resolve/sorted.ts";
import { stateOptions, type ModelResult, type ModelState, type RunOptions } from "./state.ts";
import type { ModelCache } from "./cache.ts";
import type { ResourceStatus } from "../resolve/diagnostics.ts";

/** Beyond this many changed documents a full build is about as cheap. */
const MAX_CHANGED = 256;

function sameResource(a: BundleResource, b: BundleResource): boolean {
  return a === b || (a.object === b.object && a.location?.file === b.location?.file && a.location?.line === b.location?.line);
}

/** One changed stretch: before[start, endBefore) became added. */
interface Hunk {
  start: number;
  endBefore: number;
  added: readonly BundleResource[];
}

interface Change {
  hunks: Hunk[];
  removed: BundleResource[];
  added: BundleResource[];
  /** Net change of each touched name's document count. */
  names: Map<string, number>;
}

/** Stretches that differ between the lists: the part between the common prefix and suffix,
 *  split into runs of differing positions when the length is unchanged (edits in place, as a
 *  batch of several edited Mappings gives). */
function hunksOf(before: readonly BundleResource[], after: readonly BundleResource[]): Hunk[] | undefined {
  const limit = Math.min(before.length, after.length);
  let start = 0;
  while (start < limit && sameResource(before[start], after[start])) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && sameResource(before[endBefore - 1], after[endAfter - 1])) {
    endBefore--;
    endAfter--;
  }
  if (before.length !== after.length) {
    return endBefore - start + (endAfter - start) > MAX_CHANGED ? undefined : [{ start, endBefore, added: after.slice(start, endAfter) }];
  }
  const hunks: Hunk[] = [];
  let changed = 0;
  for (let i = start; i < endBefore; i++) {
    if (sameResource(before[i], after[i])) continue;
    let end = i + 1;
    while (end < endBefore && !sameResource(before[end], after[end])) end++;
    changed += end - i;
    if (changed > MAX_CHANGED) return undefined;
    hunks.push({ start: i, endBefore: end, added: after.slice(i, end) });
    i = end;
  }
  return hunks;
}

/** The change, if it is only named Mappings whose names stay unique; else undefined (full build). */
function findChange(state: ModelState, after: readonly BundleResource[]): Change | undefined {
  const hunks = hunksOf(state.resources, after);
  if (!hunks) return undefined;
  const removed = hunks.flatMap((h) => state.resources.slice(h.start, h.endBefore));
  const added = hunks.flatMap((h) => h.added);
  const names = new Map<string, number>();
  for (const [list, delta] of [[removed, -1], [added, 1]] as const) {
    for (const resource of list) {
      const id = identify(resource.object);
      if (id.kind !== "Mapping" || !id.name) return undefined;
      names.set(id.nameKey, (names.get(id.nameKey) ?? 0) + delta);
    }
  }
  for (const resource of removed) if (state.nameCounts.get(identify(resource.object).nameKey) !== 1) return undefined;
  for (const [key, delta] of names) if ((state.nameCounts.get(key) ?? 0) + delta > 1) return undefined;
  return { hunks, removed, added, names };
}

export function updateModel(bundle: ResourceBundle, options: RunOptions, cache: ModelCache): ModelResult | undefined {
  const state = cache.state;
  if (!state) return undefined;
  const key = stateOptions(options);
  if (key.some((value, i) => value !== state.options[i])) return undefined;
  const change = findChange(state, bundle.resources);
  if (!change) return undefined;
  try {
    return patch(state, change, bundle, options, cache);
  } catch (error) {
    // A bug here must not leave a half-patched state behind: drop it, the full build rebuilds it.
    cache.state = undefined;
    throw error;
  }
}

function patch(state: ModelState, change: Change, bundle: ResourceBundle, options: RunOptions, cache: ModelCache): ModelResult {
  const { records, vhosts, clusters, filters } = state;
  for (const [nameKey, delta] of change.names) {
    const count = (state.nameCounts.get(nameKey) ?? 0) + delta;
    if (count) state.nameCounts.set(nameKey, count);
    else {
      state.nameCounts.delete(nameKey);
      cache.byName.delete(nameKey); // deleted resource: forget its canonical object and ref
    }
  }

  const dirty = new Set<string>();
  for (const resource of change.removed) {
    const key = identify(resource.object).key;
    const record = records.get(key);
    if (!record) continue; // it was invalid: only its status goes
    records.delete(key);
    for (const target of record.targets) {
      const members = vhosts.get(target)!.members;
      members.splice(members.indexOf(record.resource), 1);
      dirty.add(target);
    }
  }
  const addedEntries: StatusEntry[] = [];
  const addedSet = new Set<StatusEntry>();
  const recompose = new Set<MappingRecord>();
  for (const resource of change.added) {
    const { entry, mapping } = indexMapping(resource, options, cache);
    addedEntries.push(entry);
    addedSet.add(entry);
    if (!mapping) continue;
    const record = resolveMapping(mapping, state.env);
    records.set(mapping.key, record);
    recompose.add(record);
    for (const target of record.targets) {
      let vhost = vhosts.get(target);
      if (!vhost && target === CATCH_ALL_NAME) vhosts.set(target, (vhost = { plan: catchAllPlan(), members: [] }));
      vhost!.members.push(mapping);
      dirty.add(target);
    }
  }

  const virtualHosts = dirty.size ? state.ir.virtualHosts.slice() : state.ir.virtualHosts;
  for (const name of dirty) {
    const vhost = vhosts.get(name)!;
    const old = vhost.result;
    if (old) withdrawVhost(old, name, state);
    if (name === CATCH_ALL_NAME && vhost.members.length === 0) {
      vhosts.delete(name);
      removeSorted(virtualHosts as VirtualHostIR[], name);
      continue;
    }
    const result = (vhost.result = buildVhost(vhost.plan, vhost.members, { envToken: state.env.envToken, clusters, filters, auth: state.auth.get(name) }, old));
    putSorted(virtualHosts as VirtualHostIR[], result.vhost);
    // A member's status changes only if what this virtual host says about it changed.
    for (const m of vhost.members) {
      const before = old?.logs.get(m.key);
      const after = result.logs.get(m.key);
      if (before !== after && !sameOps(before, after)) recompose.add(records.get(m.key)!);
    }
  }

  const now = options.now ?? new Date().toISOString();
  const logsOf = (name: string) => vhosts.get(name)?.result?.logs;
  const statuses = state.statuses.slice();
  for (const record of recompose) {
    composeEntry(record, logsOf);
    if (addedSet.has(record.resource.entry)) continue; // spliced in below
    // Its slot is the status with its ref: a later duplicate of the name has its own ref
    // (index-bundle.ts duplicateRef). Slots of removed documents are still in place here, but
    // none has the ref of an unchanged valid Mapping (a removed document's name was unique).
    const ref = record.resource.ref;
    const at = statuses.findIndex((s) => s.ref === ref);
    if (at < 0) throw new Error(`model state out of sync: no status for ${record.resource.key}`);
    statuses[at] = statusOf(record.resource.entry, now, cache.statuses);
  }
  // Every changed document is a named Mapping with exactly one status: hunk by hunk, from
  // the last (so earlier positions stay valid), its old statuses give way to the new ones.
  const addedStatuses = addedEntries.map((entry) => statusOf(entry, now, cache.statuses));
  let next = addedStatuses.length;
  for (const hunk of [...change.hunks].reverse()) {
    const from = state.statusBefore[hunk.start];
    statuses.splice(from, state.statusBefore[hunk.endBefore] - from, ...addedStatuses.slice(next - hunk.added.length, next));
    next -= hunk.added.length;
  }

  const ir: GatewayIR = { ...state.ir, virtualHosts, clusters: clusters.patch(state.ir.clusters), wasmFilters: filters.build(true) };
  if (change.hunks.length === 1) state.statusBefore = shiftCounts(state.statusBefore, bundle.resources.length, change.hunks[0]);
  // (several hunks: the length is unchanged and each hunk swaps Mappings for Mappings, so the counts stay)
  state.resources = bundle.resources;
  state.ir = ir;
  state.statuses = statuses;
  return { ir, statuses };
}

/** statusBefore for the new resource list: every changed document is a Mapping with one status. */
function shiftCounts(old: Int32Array, length: number, change: Hunk): Int32Array {
  const next = new Int32Array(length + 1);
  next.set(old.subarray(0, change.start + 1));
  const from = old[change.start];
  for (let i = 1; i <= change.added.length; i++) next[change.start + i] = from + i;
  const shift = change.added.length - (old[change.endBefore] - from);
  const endAfter = change.start + change.added.length;
  for (let j = change.endBefore; j < old.length; j++) next[j - change.endBefore + endAfter] = old[j] + shift;
  return next;
}
