// State the model keeps between runs so unchanged inputs give identical (===) outputs.
import type { FieldError } from "../api/validator.ts";
import type { ResourceRef } from "../ir/types.ts";
import type { KubeObject } from "../sources/bundle.ts";
import { Memo } from "./memo.ts";

export interface CheckedRecord {
  errors: FieldError[];
  info?: unknown;
  ref?: ResourceRef;
}

export interface ModelCache {
  /** Input object -> canonical object: the first object seen with the same kind, name and
   *  content. Sources that re-create unchanged objects (re-parsed files) still give the model
   *  the same objects, so everything derived from them is reused. */
  canonical: WeakMap<object, KubeObject>;
  byName: Map<string, { content: string; object: KubeObject }>;
  /** Per-resource check results by canonical object; cleared when the options change. */
  checks: WeakMap<object, CheckedRecord>;
  /** Options the per-resource results depend on. */
  optionsKey: unknown[];
  memo: Memo;
}

export function createModelCache(): ModelCache {
  return { canonical: new WeakMap(), byName: new Map(), checks: new WeakMap(), optionsKey: [], memo: new Memo() };
}

/** The canonical object for `object` under `nameKey` ("<kind>/<namespace>/<name>"). */
export function canonicalize(cache: ModelCache, nameKey: string, object: KubeObject, live: Set<string>): KubeObject {
  live.add(nameKey);
  const known = cache.canonical.get(object);
  if (known) return known;
  const content = JSON.stringify(object);
  const previous = cache.byName.get(nameKey);
  const canonical = previous && previous.content === content ? previous.object : object;
  if (canonical === object) cache.byName.set(nameKey, { content, object });
  cache.canonical.set(object, canonical);
  return canonical;
}

/** Forget names not seen in this run (deleted resources). */
export function pruneNames(cache: ModelCache, live: Set<string>): void {
  for (const key of cache.byName.keys()) if (!live.has(key)) cache.byName.delete(key);
}
