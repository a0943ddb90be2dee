// Clusters for services: Kubernetes Services become EDS clusters whose endpoints come from
// the bundle's EndpointSlices (ready endpoints only; ExternalName Services become STRICT_DNS),
// URLs become STATIC (IP literal) or STRICT_DNS (hostname) clusters with TLS for https.
// Names are stable: "<namespace>/<service>:<port>", "url/<host>:<port>", "url-tls/<host>:<port>",
// plus "#<hash>" when a Mapping asks for non-default cluster settings (HTTP/2, balancer,
// circuit breakers, connect timeout), so Mappings with different settings never share one.
import { createHash } from "node:crypto";
import type { ClusterIR, EndpointIR, ResourceRef } from "../ir/types.ts";
import type { KubeObject } from "../sources/bundle.ts";
import type { Index } from "./resources.ts";
import type { Memo } from "./memo.ts";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ClusterSettings } from "./check-mapping.ts";
import { serviceTargetKey, type ServiceTarget } from "./service-ref.ts";

export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = { protocol: "http1", lbPolicy: "round_robin", connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS };
const DEFAULT_SETTINGS_KEY = JSON.stringify(DEFAULT_CLUSTER_SETTINGS);

export interface ClusterUse {
  name: string;
  /** Why the service could not be resolved (the cluster then has no endpoints: Envoy answers 503). */
  problem?: string;
}

interface Pending {
  target: ServiceTarget;
  settings: ClusterSettings;
  settingsKey: string;
  sources: ResourceRef[];
  problem?: string;
  endpoints: EndpointIR[];
  discovery: ClusterIR["discovery"];
  deps: unknown[];
}

type Obj = Record<string, unknown>;
const asArray = (value: unknown): Obj[] => (Array.isArray(value) ? (value.filter((v) => v && typeof v === "object") as Obj[]) : []);

const names = new WeakMap<ServiceTarget, Map<string, string>>();
const endpointCache = new WeakMap<KubeObject, Map<number, Pick<Pending, "endpoints" | "discovery" | "deps">>>();
/** URL targets resolve without looking at other resources: once per target object. */
const urlClusters = new WeakMap<ServiceTarget, Pick<Pending, "endpoints" | "discovery" | "deps">>();

/** Cached per (target object, settings), since every run asks for every Mapping's cluster. */
function clusterName(target: ServiceTarget, settingsKey: string): string {
  let bySettings = names.get(target);
  if (!bySettings) names.set(target, (bySettings = new Map()));
  let name = bySettings.get(settingsKey);
  if (name === undefined) {
    const base = serviceTargetKey(target);
    name = settingsKey === DEFAULT_SETTINGS_KEY ? base : `${base}#${createHash("sha256").update(settingsKey).digest("hex").slice(0, 8)}`;
    bySettings.set(settingsKey, name);
  }
  return name;
}

/** Same elements in the same order (sources are stable ResourceRef objects, added in the
 *  deterministic order of virtual hosts and routes). */
function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Clusters {
  private pending = new Map<string, Pending>();

  constructor(private readonly index: Index, private readonly memo: Memo) {}

  /** Cluster names in order; the previous run's order is reused when the set is the same. */
  private sortedNames(): string[] {
    const previous = this.memo.get<{ names: string[] }>("cluster-names", [], () => ({ names: [] }));
    const same = previous.names.length === this.pending.size && previous.names.every((n) => this.pending.has(n));
    if (!same) previous.names = [...this.pending.keys()].sort();
    return previous.names;
  }

  /** `knownName`: the name a previous run computed for the same arguments (replays). */
  use(target: ServiceTarget, settings: ClusterSettings, settingsKey: string, source: ResourceRef, knownName?: string): ClusterUse {
    const name = knownName ?? clusterName(target, settingsKey);
    let pending = this.pending.get(name);
    if (!pending) {
      const resolved = this.resolve(target);
      pending = { target, settings, settingsKey, sources: [], problem: resolved.problem, endpoints: resolved.endpoints, discovery: resolved.discovery, deps: resolved.deps };
      this.pending.set(name, pending);
    }
    if (!pending.sources.includes(source)) pending.sources.push(source);
    return { name, problem: pending.problem };
  }

  private resolve(target: ServiceTarget): Pick<Pending, "problem" | "endpoints" | "discovery" | "deps"> {
    if (target.kind === "url") {
      let resolved = urlClusters.get(target);
      if (!resolved) {
        resolved = { discovery: target.ip ? "static" : "strict_dns", endpoints: [{ address: target.host, port: target.port, ready: true }], deps: [] };
        urlClusters.set(target, resolved);
      }
      return resolved;
    }
    const key = `${target.namespace}/${target.name}`;
    const service = this.index.services.get(key);
    if (!service) return { discovery: "eds", endpoints: [], deps: [], problem: `Service ${key} not found` };
    const spec = (service.spec ?? {}) as Obj;
    const ports = asArray(spec.ports);
    const port = ports.find((p) => p.port === target.port);
    if (spec.type === "ExternalName" && typeof spec.externalName === "string") {
      return { discovery: "strict_dns", endpoints: [{ address: spec.externalName, port: target.port, ready: true }], deps: [service] };
    }
    if (!port) {
      const known = ports.map((p) => p.port).join(", ") || "none";
      return { discovery: "eds", endpoints: [], deps: [service], problem: `Service ${key} has no port ${target.port} (ports: ${known})` };
    }
    const slices = this.index.endpointSlices.get(key) ?? [];
    // Endpoints are recomputed only when the Service or one of its slices changed.
    const cached = endpointCache.get(service)?.get(target.port);
    if (cached && cached.deps.length === slices.length + 1 && slices.every((s, i) => s === cached.deps[i + 1])) return cached;
    const resolved = { discovery: "eds" as const, endpoints: endpointsOf(slices, port), deps: [service, ...slices] };
    let byPort = endpointCache.get(service);
    if (!byPort) endpointCache.set(service, (byPort = new Map()));
    byPort.set(target.port, resolved);
    return resolved;
  }

  /** ClusterIRs in name order; unchanged clusters are the same objects as last time. */
  build(): ClusterIR[] {
    const names = this.sortedNames();
    // Per-cluster results kept across runs, compared field by field (no dependency arrays:
    // this runs for every cluster on every change).
    const cache = this.memo.get("cluster-cache", [], () => new Map<string, { settingsKey: string; sources: ResourceRef[]; deps: unknown[]; ir: ClusterIR }>());
    const result = names.map((name) => {
      const p = this.pending.get(name)!;
      const hit = cache.get(name);
      if (hit && hit.settingsKey === p.settingsKey && sameList(hit.sources, p.sources) && sameList(hit.deps, p.deps)) return hit.ir;
      const cluster: ClusterIR = {
        name,
        discovery: p.discovery,
        endpoints: p.endpoints,
        protocol: p.settings.protocol,
        connectTimeoutMs: p.settings.connectTimeoutMs,
        lbPolicy: p.settings.lbPolicy,
        sources: [...p.sources].sort((a, b) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`)),
      };
      if (p.target.kind === "url" && p.target.tls) cluster.upstreamTls = { sni: p.target.host };
      if (p.settings.circuitBreakers) cluster.circuitBreakers = p.settings.circuitBreakers;
      cache.set(name, { settingsKey: p.settingsKey, sources: p.sources, deps: p.deps, ir: cluster });
      return cluster;
    });
    if (cache.size > names.length) for (const name of cache.keys()) if (!this.pending.has(name)) cache.delete(name);
    return result;
  }
}

/** Ready endpoints of a Service port, from EndpointSlices (discovery.k8s.io/v1): the slice port
 *  with the Service port's name; `conditions.ready` unset counts as ready (the API says so). */
function endpointsOf(slices: KubeObject[], servicePort: Obj): EndpointIR[] {
  const portName = typeof servicePort.name === "string" ? servicePort.name : "";
  const result: EndpointIR[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    const slicePort = asArray(slice.ports).find((p) => (typeof p.name === "string" ? p.name : "") === portName);
    const number = typeof slicePort?.port === "number" ? slicePort.port : typeof servicePort.targetPort === "number" ? servicePort.targetPort : undefined;
    if (number === undefined) continue;
    for (const endpoint of asArray(slice.endpoints)) {
      const conditions = (endpoint.conditions ?? {}) as Obj;
      if (conditions.ready === false) continue;
      const address = Array.isArray(endpoint.addresses) ? endpoint.addresses.find((a) => typeof a === "string") : undefined;
      if (typeof address !== "string" || seen.has(`${address}:${number}`)) continue;
      seen.add(`${address}:${number}`);
      result.push({ address, port: number, ready: true });
    }
  }
  return result.sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
}
