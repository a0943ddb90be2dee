// Incremental ADS (DeltaAggregatedResources), what Envoy uses with our bootstrap (only what
// changed goes out) and what the local data plane speaks. Rules (xds_protocol.rst "Incremental xDS"; go-control-plane
// pkg/server/delta/v3/server.go):
// - subscriptions change by resource_names_subscribe/unsubscribe, applied even when the
//   request's nonce is stale; "*" or an empty first subscribe is a wildcard for LDS/CDS;
// - initial_resource_versions on a type's first request say what the client already holds
//   after a reconnect, so only what differs is sent;
// - responses carry added/changed resources; deletions go out in removed_resources, after
//   every type's updates (make before break); a newly subscribed name the server does not
//   have is answered in removed_resources so the client stops waiting for it;
// - nothing is sent for an ACK; a NACKed resource is not re-sent until it changes;
// - a wildcard subscription is answered once even when the server has none of that type:
//   Envoy's CDS and LDS finish initializing only on a response, so an empty cluster set would
//   otherwise hold back the listeners until initial_fetch_timeout (go-control-plane's delta
//   cache answers the first wildcard request the same way).
import { Held, internNames, NameSet } from "./held.ts";
import { chunkBySize, AdsStream, type PushPhase } from "./stream.ts";
import { deltaSize, type EncodedResource, type Snapshot, type SnapshotChanges, type TypeChange, type TypeSnapshot } from "./snapshot.ts";
import { listNames } from "./sotw.ts";
import { SERVED_TYPES, subscribes, TYPE_URL, WILDCARD_TYPES } from "./types.ts";
import { encodeDeltaResponse, type DeltaRequest } from "./wire.ts";

interface DeltaTypeState {
  wildcard: boolean;
  names: NameSet;
  /** Versions the client holds (from our responses or initial_resource_versions). */
  held: Held;
  /** Whether any response of this type went out on this stream. */
  answered: boolean;
}

const NO_RESOURCES: ReadonlyMap<string, EncodedResource> = new Map();

export class DeltaStream extends AdsStream<DeltaRequest> {
  readonly protocol = "delta" as const;
  private readonly types = new Map<string, DeltaTypeState>();

  protected onRequest(req: DeltaRequest): void {
    const typeUrl = req.type_url;
    if (!SERVED_TYPES.has(typeUrl)) {
      this.host.problem(this.id, `request for unknown type ${JSON.stringify(typeUrl)} ignored`);
      return;
    }
    this.recordResponse(req, "");
    const subscribe = req.resource_names_subscribe.filter((n) => n !== "*");
    let state = this.types.get(typeUrl);
    const first = !state;
    if (!state) {
      state = {
        wildcard: req.resource_names_subscribe.length === 0 && WILDCARD_TYPES.has(typeUrl),
        // Every Envoy asks for the same long EDS list: share it (held.ts).
        names: new NameSet(internNames(subscribe)),
        held: new Held(req.initial_resource_versions),
        answered: false,
      };
      this.types.set(typeUrl, state);
    } else {
      for (const name of subscribe) state.names.add(name);
    }
    if (req.resource_names_subscribe.includes("*")) state.wildcard = true;
    // Subscribing again asks for the resource again, unless the client just told us which
    // version it holds.
    for (const name of subscribe) if (!(first && name in req.initial_resource_versions)) state.held.delete(name);
    for (const name of req.resource_names_unsubscribe) {
      if (name === "*") state.wildcard = false;
      else state.names.delete(name);
    }
    if (req.resource_names_unsubscribe.length) {
      // Forget what is no longer covered, so a later subscription sends it again.
      for (const held of [...state.held.names()]) {
        if (!this.subscribed(state, held, state.held.baseResource(held))) state.held.delete(held);
      }
    }
    if (first || subscribe.length || req.resource_names_unsubscribe.length || req.resource_names_subscribe.length) {
      this.respond(typeUrl, state, undefined, "both", subscribe);
    }
  }

  protected pushType(typeUrl: string, change: TypeChange, phase: PushPhase): void {
    const state = this.types.get(typeUrl);
    if (state) this.respond(typeUrl, state, phase === "update" ? change.changed : change.removed, phase, []);
  }

  protected caughtUp(typeUrl: string, snap: TypeSnapshot): void {
    this.types.get(typeUrl)?.held.rebase(snap.resources);
  }

  /** A snapshot without resources of a wildcard type changes nothing of it: answer it anyway. */
  override onSnapshot(snapshot: Snapshot, changes: SnapshotChanges): void {
    super.onSnapshot(snapshot, changes);
    for (const [typeUrl, state] of this.types) if (state.wildcard && !state.answered) this.respond(typeUrl, state, undefined, "both", []);
  }

  private subscribed(state: DeltaTypeState, name: string, resource?: EncodedResource): boolean {
    return subscribes(state.wildcard, state.names, name, resource);
  }

  private respond(typeUrl: string, state: DeltaTypeState, candidates: readonly string[] | undefined, phase: PushPhase | "both", subscribed: readonly string[]): void {
    if (!this.snapshot) return; // answered when the group's first snapshot is set
    const snap = this.snapshot.types.get(typeUrl);
    const resources = snap?.resources ?? NO_RESOURCES;
    const updates: EncodedResource[] = [];
    if (phase !== "remove") {
      for (const name of candidates ?? (state.wildcard ? resources.keys() : state.names)) {
        const r = resources.get(name);
        if (r && this.subscribed(state, name, r) && state.held.version(name) !== r.version) updates.push(r);
      }
    }
    const removed = new Set<string>();
    if (phase !== "update") {
      for (const name of candidates ?? [...state.held.names()]) {
        if (!resources.has(name) && state.held.has(name) && this.subscribed(state, name, state.held.baseResource(name))) removed.add(name);
      }
      for (const name of subscribed) if (!resources.has(name)) removed.add(name);
    }
    if (updates.length || removed.size || (state.wildcard && !state.answered)) this.write(typeUrl, state, updates, [...removed]);
    if (!candidates && snap) state.held.rebase(snap.resources);
    if (typeUrl === TYPE_URL.cluster && updates.length) this.resendEndpoints(updates.map((r) => r.name));
  }

  private write(typeUrl: string, state: DeltaTypeState, updates: EncodedResource[], removed: string[]): void {
    const chunks = chunkBySize(updates, deltaSize, this.host.maxResponseBytes);
    if (!chunks.length) chunks.push([]);
    const version = this.snapshot!.version;
    state.answered = true;
    chunks.forEach((chunk, i) => {
      const gone = i === chunks.length - 1 ? removed : [];
      const nonce = this.nextNonce();
      for (const r of chunk) state.held.set(r.name, r.version);
      for (const name of gone) state.held.delete(name);
      this.send(() => encodeDeltaResponse(version, typeUrl, nonce, chunk.map((r) => r.delta), gone), typeUrl, version, nonce, chunk.length, gone.length);
    });
  }

  /** Envoy keeps an updated Cluster warming until it gets the ClusterLoadAssignment again; an
   *  EDS cluster's service_name is its own name by our naming (translate/clusters.ts). */
  private resendEndpoints(clusters: string[]): void {
    const state = this.types.get(TYPE_URL.clusterLoadAssignment);
    if (!state) return;
    for (const name of clusters) state.held.delete(name);
    this.respond(TYPE_URL.clusterLoadAssignment, state, clusters, "update", []);
  }

  protected subscriptions(): Record<string, string[]> {
    return Object.fromEntries([...this.types].map(([t, s]) => [t, listNames(s.wildcard, s.names)]));
  }
}
