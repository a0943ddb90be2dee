// State the model keeps between runs so unchanged inputs give identical (===) outputs.
import type { ResourceRef } from "../../ir/types.ts";
import type { KubeObject } from "../../sources/bundle.ts";
import type { CheckResult } from "../checks/index.ts";
import type { StatusCache } from "../resolve/diagnostics.ts";
import type { MappingState } from "../resolve/mapping-records.ts";
import { Memo } from "../resolve/memo.ts";
import type { ModelState } from "./state.ts";

/** A resource's check result, and the ResourceRef its name keeps (stableRef). */
export interface CheckedRecord extends CheckResult {
  ref?: ResourceRef;
}

export interface ModelCache {
  /** Input object -> canonical object: the first object seen with the same kind, name and
   *  content. Sources that re-create unchanged objects (re-parsed files) still give the model
   *  the same objects, so everything derived from them is reused. */
  canonical: WeakMap<object, KubeObject>;
  byName: Map<string, { content?: string; object: KubeObject; ref?: ResourceRef }>;
  /** Per-resource check results by canonical object; cleared when the options change. */
  checks: WeakMap<object, CheckedRecord>;
  /** Per canonical Mapping object: its resolved references and selected Hosts (resolve/mapping-records.ts). */
  mappingStates: WeakMap<object, MappingState>;
  statuses: StatusCache;
  /** A duplicate document's own ResourceRef (index-bundle.ts duplicateRef), by document object. */
  duplicateRefs: WeakMap<object, ResourceRef>;
  /** Options the per-resource results depend on. */
  optionsKey: unknown[];
  memo: Memo;
  /** The last run's model, which the incremental path patches (incremental.ts). */
  state?: ModelState;
}

export function createModelCache(): ModelCache {
  return { canonical: new WeakMap(), byName: new Map(), checks: new WeakMap(), mappingStates: new WeakMap(), statuses: new WeakMap(), duplicateRefs: new WeakMap(), optionsKey: [], memo: new Memo() };
}

/** The canonical object for `object` under `nameKey` ("<kind>/<namespace>/<name>"). */
export function canonicalize(cache: ModelCache, nameKey: string, object: KubeObject): KubeObject {
  const known = cache.canonical.get(object);
  if (known) return known;
  const previous = cache.byName.get(nameKey);
  // Contents are compared only when a name comes back as a new object (none on a cold run).
  let canonical = object;
  let content: string | undefined;
  if (previous) {
    previous.content ??= JSON.stringify(previous.object);
    content = JSON.stringify(object);
    if (previous.content === content) canonical = previous.object;
  }
  // The ResourceRef outlives content changes: IR `sources` lists (clusters) stay identical
  // when a Mapping is edited, so its cluster is not re-sent.
  if (canonical === object) cache.byName.set(nameKey, { content, object, ref: previous?.ref });
  cache.canonical.set(object, canonical);
  return canonical;
}

/** One ResourceRef object per name for as long as the resource exists. */
export function stableRef(cache: ModelCache, nameKey: string, fresh: ResourceRef): ResourceRef {
  const entry = cache.byName.get(nameKey);
  if (!entry) return fresh;
  return (entry.ref ??= fresh);
}

/** Forget names not seen in this run (deleted resources). */
export function pruneNames(cache: ModelCache, live: ReadonlyMap<string, unknown>): void {
  if (cache.byName.size === live.size) return; // nothing deleted (every live name is in byName)
  for (const key of cache.byName.keys()) if (!live.has(key)) cache.byName.delete(key);
}
