// The snapshot cache: one snapshot per node group, set from the translator's XdsResources.
// Updates are debounced (a batch window from the first change, so latency stays bounded under
// a stream of changes), encoded against the previous snapshot, and handed to the streams
// watching that group together with the list of changed and removed names, so each stream
// pushes only what changed (go-control-plane pkg/cache/v3 simple.go and linear.go, merged).
import { EventEmitter } from "node:events";
import { buildSnapshot, ResourceEncoder, type Snapshot, type SnapshotChanges, type XdsResources } from "./snapshot.ts";
import { SERVED_TYPES, type NodeInfo } from "./types.ts";

/** Maps a Node to the group whose snapshot it gets. */
export type NodeGroupFn = (node: NodeInfo) => string;

export const DEFAULT_GROUP = "default";
/** encodeAhead pauses every this many resources. */
const ENCODES_PER_STEP = 32;
/** Node metadata key that puts a node into a named group (e.g. a canary set of proxies). */
export const GROUP_METADATA_KEY = "attache.dev/group";

/** Every node shares the "default" snapshot unless its metadata names another group. */
export const defaultNodeGroup: NodeGroupFn = (node) => {
  const group = node.metadata[GROUP_METADATA_KEY];
  return typeof group === "string" && group !== "" ? group : DEFAULT_GROUP;
};

export interface SnapshotWatcher {
  onSnapshot(snapshot: Snapshot, changes: SnapshotChanges): void;
}

export interface SnapshotEvent {
  group: string;
  snapshot: Snapshot;
  changes: SnapshotChanges;
  encodeMs: number;
}

interface GroupState {
  snapshot?: Snapshot;
  pending?: XdsResources;
  timer?: NodeJS.Timeout;
  watchers: Set<SnapshotWatcher>;
}

export interface SnapshotCacheOptions {
  /** Batch window for setResources (ms); 0 applies on the next tick. Default 10. */
  debounceMs?: number;
  nodeGroup?: NodeGroupFn;
}

/** Emits "snapshot" (SnapshotEvent) after each applied update, and "error" never: encoding
 *  problems are reported in Snapshot.errors and the bad resources left out. */
export class SnapshotCache extends EventEmitter {
  private readonly groups = new Map<string, GroupState>();
  private readonly encoder = new ResourceEncoder();
  private readonly debounceMs: number;
  readonly groupOf: NodeGroupFn;

  constructor(options: SnapshotCacheOptions = {}) {
    super();
    this.debounceMs = options.debounceMs ?? 10;
    this.groupOf = options.nodeGroup ?? defaultNodeGroup;
  }

  private group(name: string): GroupState {
    let state = this.groups.get(name);
    if (!state) {
      state = { watchers: new Set() };
      this.groups.set(name, state);
    }
    return state;
  }

  /** Queues a new set of resources for a group; the latest one wins within the window. */
  setResources(resources: XdsResources, group = DEFAULT_GROUP): void {
    const state = this.group(group);
    state.pending = resources;
    state.timer ??= setTimeout(() => this.apply(group), this.debounceMs);
  }

  /** Applies resources at once (tests, startup) and returns the snapshot. */
  setResourcesNow(resources: XdsResources, group = DEFAULT_GROUP): Snapshot {
    this.group(group).pending = resources;
    return this.apply(group)!;
  }

  /** Encodes every resource not encoded yet, pausing (yielding) every few resources, so a
   *  caller can let the event loop turn (runner/slices.ts) before it sets them: the set then
   *  finds every encoding cached. Resources that do not encode are left for the set to
   *  report. */
  *encodeAhead(resources: XdsResources): Generator<void, void, void> {
    let count = 0;
    for (const [typeUrl, byName] of Object.entries(resources)) {
      if (!SERVED_TYPES.has(typeUrl)) continue;
      for (const [name, json] of byName ?? []) {
        if (++count % ENCODES_PER_STEP === 0) yield;
        try {
          this.encoder.encode(typeUrl, name, json);
        } catch {
          // buildSnapshot reports it, with the resource's name.
        }
      }
    }
  }

  /** Applies every queued update now. */
  flush(): void {
    for (const [name, state] of this.groups) if (state.pending) this.apply(name);
  }

  snapshot(group = DEFAULT_GROUP): Snapshot | undefined {
    return this.groups.get(group)?.snapshot;
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  /** Registers a stream; it gets every later snapshot of the group. Returns the unwatch. */
  watch(group: string, watcher: SnapshotWatcher): () => void {
    const state = this.group(group);
    state.watchers.add(watcher);
    return () => state.watchers.delete(watcher);
  }

  close(): void {
    for (const state of this.groups.values()) clearTimeout(state.timer);
  }

  private apply(group: string): Snapshot | undefined {
    const state = this.group(group);
    clearTimeout(state.timer);
    state.timer = undefined;
    const resources = state.pending;
    state.pending = undefined;
    if (!resources) return state.snapshot;
    const started = performance.now();
    const { snapshot, changes } = buildSnapshot(resources, this.encoder, state.snapshot);
    const unchanged = state.snapshot && changes.size === 0;
    if (unchanged) return state.snapshot;
    state.snapshot = snapshot;
    this.emit("snapshot", { group, snapshot, changes, encodeMs: performance.now() - started } satisfies SnapshotEvent);
    for (const watcher of state.watchers) watcher.onSnapshot(snapshot, changes);
    return snapshot;
  }
}
