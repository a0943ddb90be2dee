// First model step: sort the bundle's documents by kind, give each Attaché resource a status
// entry, and run the per-resource checks (checks/), cached by object identity, then by
// content, so 10,000 unchanged Mappings cost a lookup each.
import type { BundleResource, KubeObject, ResourceBundle } from "../../sources/bundle.ts";
import type { ResourceRef } from "../../ir/types.ts";
import { checkResource, type CheckOptions } from "../checks/index.ts";
import { Diagnostics, newEntry, type StatusEntry } from "../resolve/diagnostics.ts";
import { identify, type Index, type MappingResource, type Resource } from "../resolve/resources.ts";
import { canonicalize, pruneNames, stableRef, type CheckedRecord, type ModelCache } from "./cache.ts";

const HAS_REFS = new Set(["Mapping", "Host", "AuthService", "WasmFilter"]);

function cachedChecks(cache: ModelCache, kind: string, object: KubeObject, namespace: string, name: string, options: CheckOptions): CheckedRecord {
  let record = cache.checks.get(object);
  if (!record) {
    record = checkResource(kind, object, namespace, name, options);
    cache.checks.set(object, record);
  }
  return record;
}

export interface IndexedBundle {
  index: Index;
  /** statusBefore[i]: how many statuses resources[0..i) produce (statuses are in bundle order). */
  statusBefore: Int32Array;
  /** How many documents have each "<kind>/<namespace>/<name>" (above 1: duplicates). */
  nameCounts: Map<string, number>;
}

/**
 * The ResourceRef of a document that repeats an earlier one's name: its own, stable per
 * document, and never the name's (stableRef). A document that was once the first of its name
 * carries the name's ref in its identity; sharing it would make the two statuses overwrite
 * each other in the status cache (keyed by ref), so every build would re-stamp the valid
 * one's lastTransitionTime.
 */
function duplicateRef(cache: ModelCache, object: KubeObject, ref: ResourceRef): ResourceRef {
  let own = cache.duplicateRefs.get(object);
  if (!own) {
    own = { ...ref };
    cache.duplicateRefs.set(object, own);
  }
  return own;
}

function toResource(object: KubeObject, record: CheckedRecord, key: string, entry: StatusEntry): Resource<never, never> {
  const labels = (object.metadata?.labels ?? {}) as Record<string, string>;
  return { ref: record.ref!, key, object, spec: object.spec, labels, entry, info: record.info } as Resource<never, never>;
}

/** indexBundle for one Mapping document whose name no other Mapping has (the incremental
 *  path): its status entry, and the Mapping when its own checks pass. */
export function indexMapping(resource: BundleResource, options: CheckOptions, cache: ModelCache): { entry: StatusEntry; mapping?: MappingResource } {
  const { namespace, name, ref, generation, key, nameKey } = identify(resource.object as KubeObject);
  const object = canonicalize(cache, nameKey, resource.object as KubeObject);
  const record = cachedChecks(cache, "Mapping", object, namespace, name!, options);
  record.ref ??= stableRef(cache, nameKey, ref);
  const entry = newEntry(record.ref, resource.location, generation, true);
  Diagnostics.invalid(entry, record.errors);
  if (entry.invalid.length) return { entry };
  return { entry, mapping: toResource(object, record, key, entry) as MappingResource };
}

/** Pauses every this many resources (model/index.ts, `buildModelSteps`). */
const RESOURCES_PER_STEP = 256;

export function* indexBundle(bundle: ResourceBundle, options: CheckOptions, cache: ModelCache, diagnostics: Diagnostics): Generator<void, IndexedBundle, void> {
  const index: Index = { mappings: [], hosts: [], wasmFilters: new Map(), authServices: [], services: new Map(), endpointSlices: new Map(), secrets: new Map(), configMaps: new Map() };
  const seen = new Map<string, BundleResource>();
  const nameCounts = new Map<string, number>();
  const statusBefore = new Int32Array(bundle.resources.length + 1);
  let position = 0;
  for (const resource of bundle.resources) {
    if (position % RESOURCES_PER_STEP === RESOURCES_PER_STEP - 1) yield;
    statusBefore[position++] = diagnostics.count;
    let object = resource.object as KubeObject;
    const { kind, namespace, name, ref, generation, isOurs, isKube, key, nameKey } = identify(object);
    if (!isOurs && !isKube) {
      const entry = diagnostics.add(ref, resource.location, generation, false);
      Diagnostics.invalid(entry, [{ path: "kind", message: `unsupported kind ${JSON.stringify(object?.kind)} (want Mapping, Host, WasmFilter, AuthService, Service, EndpointSlice, Secret or ConfigMap)` }], "UnsupportedKind");
      continue;
    }
    if (!name) {
      if (isOurs) Diagnostics.invalid(diagnostics.add(ref, resource.location, generation, false), [{ path: "metadata.name", message: "required field is missing" }]);
      continue;
    }
    const duplicate = seen.get(nameKey);
    nameCounts.set(nameKey, (nameCounts.get(nameKey) ?? 0) + 1);
    if (duplicate) {
      if (isOurs) {
        const where = duplicate.location ? ` at ${duplicate.location.file}:${duplicate.location.line}` : "";
        Diagnostics.invalid(diagnostics.add(duplicateRef(cache, object, ref), resource.location, generation, false), [{ path: "metadata.name", message: `duplicate ${kind} ${key}; the first one${where} is used` }], "Duplicate");
      }
      continue;
    }
    seen.set(nameKey, resource);
    object = canonicalize(cache, nameKey, object);

    if (isKube) {
      if (kind === "Service") index.services.set(key, object);
      else if (kind === "Secret") index.secrets.set(key, object);
      else if (kind === "ConfigMap") index.configMaps.set(key, object);
      else {
        const labels = (object.metadata?.labels ?? {}) as Record<string, unknown>;
        const service = labels["kubernetes.io/service-name"];
        if (typeof service === "string") {
          const list = index.endpointSlices.get(`${namespace}/${service}`) ?? [];
          list.push(object);
          index.endpointSlices.set(`${namespace}/${service}`, list);
        }
      }
      continue;
    }

    const record = cachedChecks(cache, kind, object, namespace, name, options);
    record.ref ??= stableRef(cache, nameKey, ref); // one ResourceRef per resource name, so IR sources stay ===
    const entry = diagnostics.add(record.ref, resource.location, generation, HAS_REFS.has(kind));
    Diagnostics.invalid(entry, record.errors);
    if (entry.invalid.length) continue;
    const item = toResource(object, record, key, entry);
    if (kind === "Mapping") index.mappings.push(item);
    else if (kind === "Host") index.hosts.push(item);
    else if (kind === "WasmFilter") index.wasmFilters.set(key, item);
    else index.authServices.push(item);
  }
  statusBefore[position] = diagnostics.count;
  pruneNames(cache, seen);
  return { index, statusBefore, nameCounts };
}
