// Whether the proxies run a resource: `Programmed` is True once every connected proxy has
// ACKed a snapshot that contains the resource's current generation, False (reason Rejected,
// with Envoy's error_detail) when a proxy NACKed such a snapshot and has not moved on,
// Unknown (Pending) while waiting, or NoProxies when none is connected.
// ADS versions are per type (controlplane/xds: a hash of the type's resources), so a
// snapshot is a map type URL -> version, and a proxy has applied snapshot N when every type
// it has been sent (or has ACKed) is ACKed at snapshot N's version of that type.
import type { ResourceRef } from "../ir/types.ts";

export interface ProgrammedState {
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

interface ProxyState {
  sent: Set<string>; // type URLs pushed to it
  acked: Map<string, string>; // type URL -> version
  nacks: Map<string, { version: string; message: string; blamed: ReadonlySet<string> }>;
}

const refKey = (ref: ResourceRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;
/** Snapshots remembered; a resource first seen in an older one counts as in the oldest kept. */
const HISTORY = 256;

export class ProgrammedTracker {
  private sequence = -1;
  private readonly snapshots = new Map<number, { version: string; types: ReadonlyMap<string, string> }>();
  /** Per resource: the content key (generation) it has and the first snapshot carrying it. */
  private readonly firstIn = new Map<string, { content: string; seq: number }>();
  private readonly proxies = new Map<string, ProxyState>();
  private lastResources?: readonly { ref: ResourceRef; content: string }[];

  /** A snapshot was published; `resources` are the accepted resources it contains, each with
   *  what identifies its content (generation, or resourceVersion for kinds without one). */
  published(version: string, typeVersions: ReadonlyMap<string, string>, resources: readonly { ref: ResourceRef; content: string }[]): void {
    const seq = ++this.sequence;
    this.snapshots.set(seq, { version, types: new Map(typeVersions) });
    this.snapshots.delete(seq - HISTORY);
    // The same list as last time (an EDS-only update): every resource keeps its first snapshot.
    if (resources === this.lastResources) return;
    this.lastResources = resources;
    const present = new Set<string>();
    for (const { ref, content } of resources) {
      const key = refKey(ref);
      present.add(key);
      const known = this.firstIn.get(key);
      if (!known || known.content !== content) this.firstIn.set(key, { content, seq });
    }
    for (const key of this.firstIn.keys()) if (!present.has(key)) this.firstIn.delete(key);
  }

  connected(node: string): void {
    if (!this.proxies.has(node)) this.proxies.set(node, { sent: new Set(), acked: new Map(), nacks: new Map() });
  }

  disconnected(node: string): void {
    this.proxies.delete(node);
  }

  /** The server pushed `typeUrl` to the proxy: it must ACK it before it counts as applied. */
  sent(node: string, typeUrl: string): void {
    this.connected(node);
    this.proxies.get(node)!.sent.add(typeUrl);
  }

  ack(node: string, typeUrl: string, version: string): void {
    this.connected(node);
    version = this.typeVersion(typeUrl, version);
    const proxy = this.proxies.get(node)!;
    proxy.acked.set(typeUrl, version);
    if (proxy.nacks.get(typeUrl)?.version !== version) proxy.nacks.delete(typeUrl);
  }

  /** A proxy rejected `typeUrl` at `version`. `blamed`: the resources Envoy's message points
   *  at (status/nack-blame.ts); when empty, every resource in that configuration is affected. */
  nack(node: string, typeUrl: string, version: string, message: string, blamed: readonly ResourceRef[] = []): void {
    this.connected(node);
    version = this.typeVersion(typeUrl, version);
    this.proxies.get(node)!.nacks.set(typeUrl, { version, message, blamed: new Set(blamed.map(refKey)) });
  }

  /** SotW responses carry the type's version, Delta responses the snapshot's (system_version_info,
   *  envoy/service/discovery/v3/discovery.proto); both are compared as the type's version. */
  private typeVersion(typeUrl: string, version: string): string {
    for (let seq = this.sequence; seq > this.sequence - HISTORY && seq >= 0; seq--) {
      const snapshot = this.snapshots.get(seq)!;
      if (snapshot.version === version) return snapshot.types.get(typeUrl) ?? version;
    }
    return version;
  }

  get proxyCount(): number {
    return this.proxies.size;
  }

  /** The newest snapshot whose versions match what the proxy ACKed for every type it was
   *  sent, or -1. */
  private appliedBy(proxy: ProxyState): number {
    const types = new Set([...proxy.sent, ...proxy.acked.keys()]);
    if (types.size === 0) return -1;
    for (let seq = this.sequence; seq > this.sequence - HISTORY && seq >= 0; seq--) {
      const versions = this.snapshots.get(seq)!.types;
      if ([...types].every((type) => !versions.has(type) || proxy.acked.get(type) === versions.get(type))) return seq;
    }
    return -1;
  }

  /** The newest snapshot carrying `version` for `typeUrl`, or -1. */
  private newestWith(typeUrl: string, version: string): number {
    for (let seq = this.sequence; seq > this.sequence - HISTORY && seq >= 0; seq--) if (this.snapshots.get(seq)!.types.get(typeUrl) === version) return seq;
    return -1;
  }

  stateOf(ref: ResourceRef): ProgrammedState {
    const first = this.firstIn.get(refKey(ref));
    if (!first) return { status: "Unknown", reason: "Pending", message: "Not yet in a published configuration" };
    if (this.proxies.size === 0) return { status: "Unknown", reason: "NoProxies", message: "No proxy is connected" };
    const since = Math.max(first.seq, this.sequence - HISTORY + 1);
    const waiting: string[] = [];
    for (const [node, proxy] of [...this.proxies].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [typeUrl, nack] of proxy.nacks) {
        if (nack.blamed.size && !nack.blamed.has(refKey(ref))) continue;
        const seq = this.newestWith(typeUrl, nack.version);
        if (seq >= since)
          return { status: "False", reason: "Rejected", message: `Proxy ${node} rejected configuration ${this.snapshots.get(seq)!.version} (${typeUrl.split(".").pop()}): ${nack.message}` };
      }
      if (this.appliedBy(proxy) < since) waiting.push(node);
    }
    if (waiting.length)
      return { status: "Unknown", reason: "Pending", message: `Waiting for ${waiting.length} of ${this.proxies.size} proxies to acknowledge configuration ${this.snapshots.get(since)!.version}` };
    return { status: "True", reason: "Programmed", message: `Acknowledged by ${this.proxies.size} ${this.proxies.size === 1 ? "proxy" : "proxies"}` };
  }
}

/** Statuses with the Programmed condition from the tracker (for diagnostics, where no status
 *  writer runs); a rejection's message also joins the resource's errors. */
export function withProgrammed(statuses: readonly ResourceStatusLike[], tracker: ProgrammedTracker, now = new Date().toISOString().replace(/\.\d+Z$/, "Z")): ResourceStatusLike[] {
  return statuses.map((s) => {
    const accepted = s.conditions.find((c) => c.type === "Accepted");
    if (accepted?.status !== "True" || s.conditions.some((c) => c.type === "Programmed")) return s;
    const state = tracker.stateOf(s.ref);
    const condition = { type: "Programmed", ...state, lastTransitionTime: now };
    const errors = state.status === "False" ? [...s.errors, `${s.ref.kind} ${s.ref.namespace}/${s.ref.name}: ${state.message}`] : s.errors;
    return { ...s, conditions: [...s.conditions, condition], errors };
  });
}

interface ResourceStatusLike {
  ref: ResourceRef;
  conditions: Array<{ type: string; status: "True" | "False" | "Unknown"; reason: string; message: string; lastTransitionTime: string }>;
  errors: string[];
}
