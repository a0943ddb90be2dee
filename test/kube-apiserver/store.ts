// Object storage with kube-apiserver's concurrency and watch semantics:
// - one resourceVersion counter for every kind (etcd's revision), bumped on every write;
//   a write that changes nothing is a no-op and keeps the old resourceVersion;
// - optimistic concurrency: a write carrying metadata.resourceVersion must match (409);
// - metadata.generation bumps only when something outside metadata and status changes;
// - kinds with a status subresource ignore `.status` on the main resource and change only
//   `.status` through the subresource;
// - a history of events per kind, never compacted, so a watch can resume from any
//   resourceVersion.
import { randomUUID } from "node:crypto";
import { groupVersion, type ResourceType } from "./resources.ts";

export type KubeObject = Record<string, any> & { metadata: Record<string, any> };
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface HistoryEntry {
  type: WatchEventType;
  object: KubeObject;
  previous?: KubeObject;
  rv: number;
}

export type ObjectPredicate = (obj: KubeObject) => boolean;

export interface Watcher {
  resource: ResourceType;
  namespace?: string;
  /** Label and field selectors together. */
  matches: ObjectPredicate;
  send(type: WatchEventType, object: KubeObject): void;
}

export const typeKey = (t: ResourceType): string => `${groupVersion(t)}/${t.plural}`;
const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ""}/${name}`;
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Everything but metadata and status: the part whose change bumps metadata.generation. */
function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

function withoutVersion(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

export class ObjectStore {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history = new Map<string, HistoryEntry[]>();
  readonly watchers = new Set<Watcher>();

  get currentRevision(): number {
    return this.revision;
  }

  private bucket(resource: ResourceType): Map<string, KubeObject> {
    const key = typeKey(resource);
    let bucket = this.objects.get(key);
    if (!bucket) this.objects.set(key, (bucket = new Map()));
    return bucket;
  }

  private record(resource: ResourceType, entry: HistoryEntry): void {
    const key = typeKey(resource);
    let log = this.history.get(key);
    if (!log) this.history.set(key, (log = []));
    log.push(entry);
    for (const watcher of this.watchers) if (typeKey(watcher.resource) === key) deliver(watcher, entry);
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.bucket(resource).get(objectKey(namespace, name));
    if (!found) throw new ApiError(404, "NotFound", `${resource.plural} "${name}" not found`);
    return structuredClone(found);
  }

  list(resource: ResourceType, namespace: string | undefined, matches: ObjectPredicate): KubeObject[] {
    const items: KubeObject[] = [];
    for (const obj of this.bucket(resource).values()) {
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      if (matches(obj)) items.push(structuredClone(obj));
    }
    return items.sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b.metadata.namespace, b.metadata.name)));
  }

  create(resource: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    obj.metadata ??= {};
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = obj.metadata.generateName + randomUUID().slice(0, 5);
    if (!obj.metadata.name) throw new ApiError(422, "Invalid", `${resource.kind}: metadata.name: Required value`);
    const key = objectKey(namespace, obj.metadata.name);
    if (this.bucket(resource).has(key))
      throw new ApiError(409, "AlreadyExists", `${resource.plural} "${obj.metadata.name}" already exists`);
    if (resource.status) delete obj.status;
    obj.apiVersion = groupVersion(resource);
    obj.kind = resource.kind;
    if (resource.namespaced) obj.metadata.namespace = namespace;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = now();
    obj.metadata.generation = 1;
    obj.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(key, obj);
    this.record(resource, { type: "ADDED", object: structuredClone(obj), rv: this.revision });
    return structuredClone(obj);
  }

  /** PUT semantics; `subresource === "status"` replaces only `.status`. */
  update(resource: ResourceType, namespace: string | undefined, name: string, input: KubeObject, subresource?: string): KubeObject {
    const current = this.get(resource, namespace, name);
    const requested = input.metadata?.resourceVersion;
    if (requested !== undefined && requested !== "" && requested !== current.metadata.resourceVersion)
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    let next: KubeObject;
    if (subresource === "status") {
      next = { ...current, status: structuredClone(input.status) };
      if (input.status === undefined) delete next.status;
    } else {
      next = structuredClone(input);
      next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp };
      if (resource.status) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
    }
    next.apiVersion = groupVersion(resource);
    next.kind = resource.kind;
    next.metadata.name = name;
    if (resource.namespaced) next.metadata.namespace = namespace;
    next.metadata.generation = (current.metadata.generation ?? 1) + (specPart(next) !== specPart(current) ? 1 : 0);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (withoutVersion(next) === withoutVersion(current)) return current;
    next.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(objectKey(namespace, name), next);
    this.record(resource, { type: "MODIFIED", object: structuredClone(next), previous: current, rv: this.revision });
    return structuredClone(next);
  }

  delete(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const current = this.get(resource, namespace, name);
    this.bucket(resource).delete(objectKey(namespace, name));
    // A DELETED event carries the object at the deletion's resourceVersion.
    current.metadata.resourceVersion = String(++this.revision);
    this.record(resource, { type: "DELETED", object: structuredClone(current), rv: this.revision });
    return current;
  }

  /** Events after `since` for a new watch. */
  eventsSince(resource: ResourceType, since: number): HistoryEntry[] {
    return (this.history.get(typeKey(resource)) ?? []).filter((e) => e.rv > since);
  }

  replay(watcher: Watcher, entries: HistoryEntry[]): void {
    for (const entry of entries) deliver(watcher, entry);
  }
}

/** Applies namespace, label and field filtering the way the watch cache does: an object that
 *  stops matching is seen as DELETED, one that starts matching as ADDED. */
function deliver(watcher: Watcher, entry: HistoryEntry): void {
  const ns = entry.object.metadata.namespace;
  if (watcher.namespace !== undefined && ns !== watcher.namespace) return;
  const nowMatches = watcher.matches(entry.object);
  const wasMatching = entry.previous ? watcher.matches(entry.previous) : false;
  if (entry.type === "MODIFIED") {
    if (nowMatches && wasMatching) watcher.send("MODIFIED", entry.object);
    else if (nowMatches) watcher.send("ADDED", entry.object);
    else if (wasMatching) watcher.send("DELETED", entry.object);
    return;
  }
  if (nowMatches) watcher.send(entry.type, entry.object);
}
