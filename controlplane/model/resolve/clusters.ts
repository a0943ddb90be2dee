// Clusters for services (model/checks/service-ref.ts): Kubernetes Services become EDS clusters whose
// endpoints come from the bundle's EndpointSlices (ready endpoints only; ExternalName Services
// become STRICT_DNS); other names become STRICT_DNS (or LOGICAL_DNS) clusters and IP literals
// STATIC ones; https:// adds upstream TLS.
// Names are stable: "<namespace>/<service>:<port>", "url/<host>:<port>", "url-tls/<host>:<port>",
// plus "#<hash>" when a Mapping asks for non-default cluster settings (HTTP/2, balancer,
// circuit breakers, connect timeout), so Mappings with different settings never share one.
import { createHash } from "node:crypto";
import type { ClusterIR, EndpointIR, ResourceRef } from "../../ir/types.ts";
import type { KubeObject } from "../../sources/bundle.ts";
import type { Index } from "./resources.ts";
import type { Memo } from "./memo.ts";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ClusterSettings } from "../checks/mapping.ts";
import { kubernetesKey, mustBeKubernetes, serviceTargetKey, type ServiceTarget } from "../checks/service-ref.ts";
import { sortedIndex } from "./sorted.ts";

export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = { protocol: "http1", lbPolicy: "round_robin", connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS };
const DEFAULT_SETTINGS_KEY = JSON.stringify(DEFAULT_CLUSTER_SETTINGS);

export interface ClusterUse {
  name: string;
  /** Why the service could not be resolved (the cluster then has no endpoints: Envoy answers 503). */
  problem?: string;
  /** How a name that is no Service was resolved instead (for the Mapping's status). */
  note?: string;
}

interface Pending {
  target: ServiceTarget;
  settings: ClusterSettings;
  settingsKey: string;
  /** Who uses the cluster, with how many uses each (virtual hosts are withdrawn one by one). */
  sources: Map<ResourceRef, number>;
  problem?: string;
  note?: string;
  endpoints: EndpointIR[];
  discovery: ClusterIR["discovery"];
  deps: unknown[];
  /** The target resolved to a Kubernetes Service. */
  viaService: boolean;
}

type Resolved = Pick<Pending, "problem" | "note" | "endpoints" | "discovery" | "deps" | "viaService">;

interface CachedCluster {
  settingsKey: string;
  sources: ReadonlySet<ResourceRef>;
  deps: unknown[];
  ir: ClusterIR;
}

type Obj = Record<string, unknown>;
const asArray = (value: unknown): Obj[] => (Array.isArray(value) ? (value.filter((v) => v && typeof v === "object") as Obj[]) : []);

const names = new WeakMap<ServiceTarget, Map<string, string>>();
const endpointCache = new WeakMap<KubeObject, Map<number, Pick<Pending, "endpoints" | "discovery" | "deps">>>();
/** DNS and IP targets resolve without looking at other resources: once per target object. */
const dnsClusters = new WeakMap<ServiceTarget, Map<string, Resolved>>();

/** Cached per (target object, settings, resolution), since every run asks for every Mapping's cluster. */
function clusterName(target: ServiceTarget, settingsKey: string, viaService: boolean): string {
  let bySettings = names.get(target);
  if (!bySettings) names.set(target, (bySettings = new Map()));
  const key = `${viaService}|${settingsKey}`;
  let name = bySettings.get(key);
  if (name === undefined) {
    const base = serviceTargetKey(target, viaService);
    name = settingsKey === DEFAULT_SETTINGS_KEY ? base : `${base}#${createHash("sha256").update(settingsKey).digest("hex").slice(0, 8)}`;
    bySettings.set(key, name);
  }
  return name;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSources(a: ReadonlySet<ResourceRef>, b: Map<ResourceRef, number>): boolean {
  if (a.size !== b.size) return false;
  for (const ref of b.keys()) if (!a.has(ref)) return false;
  return true;
}

const refOrder = (a: ResourceRef, b: ResourceRef) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`);

/** The clusters every route and AuthService uses. Uses can be withdrawn (release) when the
 *  incremental path rebuilds a virtual host; `patch` then rebuilds only the touched clusters. */
export class Clusters {
  private pending = new Map<string, Pending>();
  /** Clusters whose uses changed since the last build/patch. */
  private touched = new Set<string>();

  constructor(private readonly index: Index, private readonly memo: Memo) {}

  /** `knownName`: the name a previous run computed for the same arguments (replays). */
  use(target: ServiceTarget, settings: ClusterSettings, settingsKey: string, source: ResourceRef, knownName?: string): ClusterUse {
    let name = knownName;
    let pending = name === undefined ? undefined : this.pending.get(name);
    if (!pending) {
      const resolved = this.resolve(target, settings);
      name ??= clusterName(target, settingsKey, resolved.viaService);
      pending = this.pending.get(name);
      if (!pending) {
        pending = { target, settings, settingsKey, sources: new Map(), problem: resolved.problem, note: resolved.note, endpoints: resolved.endpoints, discovery: resolved.discovery, deps: resolved.deps, viaService: resolved.viaService };
        this.pending.set(name, pending);
      }
    }
    const key: string = name!;
    const count = pending.sources.get(source);
    pending.sources.set(source, (count ?? 0) + 1);
    if (count === undefined) this.touched.add(key);
    return { name: key, problem: pending.problem, note: pending.note };
  }

  /** Withdraw one use made by `use`; a cluster nobody uses any more disappears. */
  release(name: string, source: ResourceRef): void {
    const pending = this.pending.get(name);
    const count = pending?.sources.get(source);
    if (!pending || count === undefined) return;
    if (count > 1) return void pending.sources.set(source, count - 1);
    pending.sources.delete(source);
    this.touched.add(name);
    if (pending.sources.size === 0) this.pending.delete(name);
  }

  private resolve(target: ServiceTarget, settings: ClusterSettings): Resolved {
    const key = kubernetesKey(target);
    const service = key === undefined ? undefined : this.index.services.get(key);
    if (service) return { ...this.resolveService(target, key!, service), viaService: true };
    if (mustBeKubernetes(target)) return { discovery: "eds", endpoints: [], deps: [], problem: `Service ${key} not found`, viaService: true };
    const discovery: ClusterIR["discovery"] = target.ip ? "static" : settings.dnsType === "logical_dns" ? "logical_dns" : "strict_dns";
    let byDiscovery = dnsClusters.get(target);
    if (!byDiscovery) dnsClusters.set(target, (byDiscovery = new Map()));
    let resolved = byDiscovery.get(discovery);
    if (!resolved) {
      const note = key === undefined ? undefined : `no Service ${key}: ${target.host} is resolved through DNS`;
      resolved = { discovery, endpoints: [{ address: target.host, port: target.port, ready: true }], deps: [], note, viaService: false };
      byDiscovery.set(discovery, resolved);
    }
    return resolved;
  }

  private resolveService(target: ServiceTarget, key: string, service: KubeObject): Pick<Pending, "problem" | "endpoints" | "discovery" | "deps"> {
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

  private cache(): Map<string, CachedCluster> {
    return this.memo.get("cluster-cache", [], () => new Map<string, CachedCluster>());
  }

  /** The ClusterIR of `name`; the previous object when its settings, sources and endpoints are unchanged. */
  private clusterIR(name: string, cache: Map<string, CachedCluster>): ClusterIR {
    const p = this.pending.get(name)!;
    const hit = cache.get(name);
    if (hit && hit.settingsKey === p.settingsKey && sameSources(hit.sources, p.sources) && sameList(hit.deps, p.deps)) return hit.ir;
    const cluster: ClusterIR = {
      name,
      discovery: p.discovery,
      endpoints: p.endpoints,
      protocol: p.settings.protocol,
      connectTimeoutMs: p.settings.connectTimeoutMs,
      lbPolicy: p.settings.lbPolicy,
      sources: [...p.sources.keys()].sort(refOrder),
    };
    if (p.viaService && p.target.kubernetes && p.discovery === "eds") cluster.service = { ...p.target.kubernetes, port: p.target.port };
    if (p.target.tls) cluster.upstreamTls = { sni: p.target.host };
    if (p.settings.circuitBreakers) cluster.circuitBreakers = p.settings.circuitBreakers;
    cache.set(name, { settingsKey: p.settingsKey, sources: new Set(p.sources.keys()), deps: p.deps, ir: cluster });
    return cluster;
  }

  /** ClusterIRs in name order; unchanged clusters are the same objects as last time. */
  build(): ClusterIR[] {
    this.touched.clear();
    const cache = this.cache();
    const previous = this.memo.get<{ names: string[] }>("cluster-names", [], () => ({ names: [] }));
    const same = previous.names.length === this.pending.size && previous.names.every((n) => this.pending.has(n));
    if (!same) previous.names = [...this.pending.keys()].sort();
    const result = previous.names.map((name) => this.clusterIR(name, cache));
    if (cache.size > result.length) for (const name of cache.keys()) if (!this.pending.has(name)) cache.delete(name);
    return result;
  }

  /** `previous` (the last result, in name order) with only the touched clusters rebuilt,
   *  added or removed. */
  patch(previous: readonly ClusterIR[]): ClusterIR[] {
    if (this.touched.size === 0) return previous as ClusterIR[];
    const cache = this.cache();
    const result = previous.slice();
    for (const name of [...this.touched].sort()) {
      const at = sortedIndex(result, name);
      const present = at < result.length && result[at].name === name;
      if (this.pending.has(name)) {
        const ir = this.clusterIR(name, cache);
        if (present) result[at] = ir;
        else result.splice(at, 0, ir);
      } else {
        cache.delete(name);
        if (present) result.splice(at, 1);
      }
    }
    this.touched.clear();
    return result;
  }
}

/** Ready endpoints of a Service port, from EndpointSlices (discovery.k8s.io/v1): the slice port
 *  with the Service port's name; `conditions.ready` unset counts as ready (the API says so). */
export function endpointsOf(slices: KubeObject[], servicePort: Obj): EndpointIR[] {
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
