// State-of-the-world ADS (StreamAggregatedResources), the protocol gRPC clients speak.
// Rules (xds_protocol.rst; go-control-plane pkg/server/sotw/v3/ads.go):
// - each request carries the full list of names for its type; "*" or an empty first list is a
//   wildcard for LDS/CDS;
// - a request whose nonce is not the latest sent for its type is stale and ignored;
// - LDS/CDS responses carry every subscribed resource (a missing one is deleted), so they are
//   never split; RDS/EDS/SDS/ECDS responses carry only what changed or was newly
//   subscribed, split over several responses to stay under the client's receive limit;
// - nothing is sent for an ACK, and a NACKed response is not re-sent: what we sent counts as
//   held until the snapshot changes again (no NACK loops, envoyproxy/go-control-plane#962);
// - after a Cluster changes, its ClusterLoadAssignment is sent again (envoyproxy/go-control-plane#245).
import { Held, internNames } from "./held.ts";
import { chunkBySize, AdsStream, type PushPhase } from "./stream.ts";
import { sotwSize, type EncodedResource, type TypeChange, type TypeSnapshot } from "./snapshot.ts";
import { FULL_STATE_TYPES, subscribes, SERVED_TYPES, TYPE_URL, WILDCARD_TYPES } from "./types.ts";
import { encodeSotwBody, encodeSotwResponse, encodeSotwResponseWithBody, type SotwRequest } from "./wire.ts";

interface SotwTypeState {
  wildcard: boolean;
  names: ReadonlySet<string>;
  /** Once a client named resources, an empty list means none, not wildcard. */
  everNamed: boolean;
  /** Latest nonce sent for this type; requests with another nonce are stale. */
  lastNonce?: string;
  /** Changed-only types: the versions the client holds. */
  held: Held;
  /** Full-state types: the set last sent (the snapshot's own map for wildcard streams). */
  fullState: ReadonlyMap<string, EncodedResource>;
  /** Full-state types: identifies the last response (version, subscription, kept names). */
  lastKey?: string;
}

const NONE: ReadonlyMap<string, EncodedResource> = new Map();

export class SotwStream extends AdsStream<SotwRequest> {
  readonly protocol = "sotw" as const;
  private readonly types = new Map<string, SotwTypeState>();

  protected onRequest(req: SotwRequest): void {
    const typeUrl = req.type_url;
    if (!SERVED_TYPES.has(typeUrl)) {
      this.host.problem(this.id, `request for unknown type ${JSON.stringify(typeUrl)} ignored`);
      return;
    }
    this.recordResponse(req, req.version_info);
    let state = this.types.get(typeUrl);
    if (state?.lastNonce !== undefined && req.response_nonce !== state.lastNonce) return; // stale
    const first = !state;
    state ??= { wildcard: false, names: new Set(), everNamed: false, held: new Held(), fullState: NONE };
    this.types.set(typeUrl, state);
    const changed = this.updateSubscription(typeUrl, state, req.resource_names);
    if (first || changed) this.respond(typeUrl, state, undefined, "remove");
  }

  /** Applies the request's name list; returns whether the subscription changed. */
  private updateSubscription(typeUrl: string, state: SotwTypeState, names: string[]): boolean {
    const explicit = names.filter((n) => n !== "*");
    const wildcard = names.includes("*") || (names.length === 0 && WILDCARD_TYPES.has(typeUrl) && !state.everNamed);
    const same = wildcard === state.wildcard && explicit.length === state.names.size && explicit.every((n) => state.names.has(n));
    if (same) return false;
    if (explicit.length) state.everNamed = true;
    const next = internNames(explicit);
    if (!state.wildcard && !FULL_STATE_TYPES.has(typeUrl)) {
      // A newly subscribed name is sent even if unchanged (xds_protocol.rst).
      const added = new Set([...next].filter((name) => !state.names.has(name)));
      for (const name of added) state.held.delete(name);
    }
    state.wildcard = wildcard;
    state.names = next;
    return true;
  }

  private subscribed(state: SotwTypeState, name: string, resource?: EncodedResource): boolean {
    return subscribes(state.wildcard, state.names, name, resource);
  }

  protected pushType(typeUrl: string, change: TypeChange, phase: PushPhase): void {
    const state = this.types.get(typeUrl);
    if (!state) return;
    // Full-state types answer with the whole set anyway; others only with what changed.
    this.respond(typeUrl, state, FULL_STATE_TYPES.has(typeUrl) ? undefined : change.changed, phase);
  }

  protected caughtUp(typeUrl: string, snap: TypeSnapshot): void {
    this.types.get(typeUrl)?.held.rebase(snap.resources);
  }

  private respond(typeUrl: string, state: SotwTypeState, candidates: readonly string[] | undefined, phase: PushPhase): void {
    const snap = this.snapshot?.types.get(typeUrl);
    if (!snap) return; // no snapshot for this group yet: answered when one is set
    if (FULL_STATE_TYPES.has(typeUrl)) return this.respondFullState(typeUrl, state, snap, phase);
    this.respondChanged(typeUrl, state, snap, candidates);
    if (!candidates) state.held.rebase(snap.resources);
  }

  private respondFullState(typeUrl: string, state: SotwTypeState, snap: TypeSnapshot, phase: PushPhase): void {
    // Make before break: while other types update, resources deleted from the snapshot stay
    // in the set; the "remove" phase then sends the exact new set.
    const kept = phase === "update" ? [...state.fullState.values()].filter((r) => !snap.resources.has(r.name) && this.subscribed(state, r.name, r)) : [];
    const subscription = state.wildcard ? "*" : [...state.names].sort().join("\n");
    const key = `${snap.version}|${subscription}|${kept.map((r) => r.name).join("\n")}`;
    if (key === state.lastKey) return;
    const previous = state.fullState;
    let body: Uint8Array;
    if (state.wildcard && !kept.length) {
      body = snap.sotwBody();
      state.fullState = snap.wildcardResources();
    } else {
      const resources = [...snap.resources.values()].filter((r) => this.subscribed(state, r.name, r)).concat(kept);
      body = encodeSotwBody(resources.map((r) => r.any));
      state.fullState = new Map(resources.map((r) => [r.name, r]));
    }
    if (body.length > this.host.maxResponseBytes) {
      this.host.problem(this.id, `${typeUrl} state is ${body.length} bytes, over the ${this.host.maxResponseBytes}-byte response limit; SotW full-state responses cannot be split`);
    }
    state.lastKey = key;
    const nonce = this.nextNonce();
    state.lastNonce = nonce;
    this.send(() => encodeSotwResponseWithBody(snap.version, typeUrl, nonce, body), typeUrl, snap.version, nonce, state.fullState.size, 0);
    if (typeUrl === TYPE_URL.cluster) {
      const changed = [...state.fullState.values()].filter((r) => previous.get(r.name) !== r).map((r) => r.name);
      if (changed.length) this.resendEndpoints(changed);
    }
  }

  private respondChanged(typeUrl: string, state: SotwTypeState, snap: TypeSnapshot, candidates: readonly string[] | undefined): void {
    const names = candidates ?? (state.wildcard ? snap.resources.keys() : state.names);
    const out: EncodedResource[] = [];
    for (const name of names) {
      const resource = snap.resources.get(name);
      if (resource && this.subscribed(state, name, resource) && state.held.version(name) !== resource.version) out.push(resource);
    }
    for (const chunk of chunkBySize(out, sotwSize, this.host.maxResponseBytes)) {
      const nonce = this.nextNonce();
      state.lastNonce = nonce;
      for (const r of chunk) state.held.set(r.name, r.version);
      this.send(() => encodeSotwResponse(snap.version, typeUrl, nonce, chunk.map((r) => r.any)), typeUrl, snap.version, nonce, chunk.length, 0);
    }
  }

  /** Envoy keeps an updated Cluster warming until it gets the ClusterLoadAssignment again. By
   *  our naming, an EDS cluster's service_name is its own name (translate/clusters.ts). */
  private resendEndpoints(clusters: string[]): void {
    const state = this.types.get(TYPE_URL.clusterLoadAssignment);
    if (!state) return;
    for (const name of clusters) state.held.delete(name);
    this.respond(TYPE_URL.clusterLoadAssignment, state, clusters, "update");
  }

  protected subscriptions(): Record<string, string[]> {
    return Object.fromEntries([...this.types].map(([t, s]) => [t, listNames(s.wildcard, s.names)]));
  }
}

/** A readable subscription list for /debug/clients (long lists shortened). */
export function listNames(wildcard: boolean, names: Iterable<string> & { size: number }): string[] {
  const list = wildcard ? ["*"] : [];
  for (const name of names) {
    if (list.length >= 20) break;
    list.push(name);
  }
  if (names.size > 20) list.push(`(+${names.size - 20} more)`);
  return list;
}
