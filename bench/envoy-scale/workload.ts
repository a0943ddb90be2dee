// The translate bench's scale workload (bench/translate/workload.ts: 20 Mappings per Host, half
// the Hosts with TLS, 1,000 Services, Wasm filters on a third of the Mappings) made servable
// by real Envoy: one real self-signed certificate for every TLS Secret, every endpoint on the
// local upstream, the custom filter built from filters/template (a module Envoy can load), and
// filter settings each filter accepts (Envoy fails a plugin whose configuration its module
// rejects). `hosts` scales it: 500 Hosts = 10,000 Mappings, 5,000 = 100,000.
import { createHash } from "node:crypto";
import type { BundleResource, KubeObject, ResourceBundle } from "../../controlplane/sources/bundle.ts";
import { selfSignedTlsSecret } from "../../controlplane/runner/tls.ts";
import { mapping as translateBenchMapping, SCALE } from "../translate/workload.ts";

const GROUP = "attache.dev/v1alpha1";
export const API_KEY = "scale-bench-key";
const API_KEY_SHA256 = createHash("sha256").update(API_KEY).digest("hex");
const meta = (name: string, generation = 1) => ({ name, namespace: "default", generation, resourceVersion: String(generation) });

export interface ScaleWorkload {
  bundle: ResourceBundle;
  hosts: number;
  mappings: number;
  /** The Mapping edited by `change` (plain: no filter; filtered: has rateLimit). */
  change(kind: "plain" | "filtered", round: number): { bundle: ResourceBundle; host: string; prefix: string };
}

/** Mapping n with settings the real filters accept; `variant` changes its prefix (and limit). */
function mapping(host: number, index: number, round = -1): KubeObject {
  const base = translateBenchMapping(host, index, round >= 0 ? `-v${round}` : "");
  const spec = { ...(base.spec as Record<string, unknown>) };
  const n = host * SCALE.mappingsPerHost + index;
  const filters = (spec.filters as Array<{ name: string }> | undefined)?.map((f) =>
    f.name === "auth" ? { name: "auth", config: { realm: `m${n}` } } : { name: "tagger", config: { header: { name: "x-tag", value: `m${n}` } } });
  if (filters) spec.filters = filters;
  // The edited limit shows in the RateLimit-Limit header of the route's responses (burst = requests).
  if (spec.rateLimit && round >= 0) spec.rateLimit = { ...(spec.rateLimit as object), requests: 1000 + round, responseHeaders: true };
  return { ...base, metadata: meta(String(base.metadata!.name), round + 2), spec };
}

export async function scaleWorkload(hosts: number, upstreamPort: number): Promise<ScaleWorkload> {
  const services = SCALE.services;
  const resources: BundleResource[] = [];
  const add = (object: KubeObject) => resources.push({ object });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("auth"), spec: { module: { builtin: "auth" }, config: { apiKeys: { keys: [{ name: "bench", sha256: API_KEY_SHA256 }] } } } });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("tagger"), spec: { module: { local: "template" } } });
  const cert = (await selfSignedTlsSecret("bench", ["*.example.com"])).object as KubeObject & { stringData: Record<string, string> };
  for (let h = 0; h < hosts; h++) {
    const spec: Record<string, unknown> = { hostname: `h${h}.example.com` };
    if (h % 2 === 0) {
      spec.tlsSecret = { name: `h${h}-tls` };
      add({ apiVersion: "v1", kind: "Secret", metadata: meta(`h${h}-tls`), type: "kubernetes.io/tls", stringData: cert.stringData });
    }
    add({ apiVersion: GROUP, kind: "Host", metadata: meta(`h${h}`), spec });
    for (let i = 0; i < SCALE.mappingsPerHost; i++) add(mapping(h, i));
  }
  for (let s = 0; s < services; s++) {
    add({ apiVersion: "v1", kind: "Service", metadata: meta(`svc${s}`), spec: { ports: [{ name: "http", port: 80, targetPort: upstreamPort }] } });
    add({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
      metadata: { ...meta(`svc${s}-1`), labels: { "kubernetes.io/service-name": `svc${s}` } },
      addressType: "IPv4",
      ports: [{ name: "http", port: upstreamPort, protocol: "TCP" }],
      endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
    });
  }
  const bundle: ResourceBundle = { revision: 1, resources, errors: [] };
  // Changes pile up, as edits do: each one starts from the bundle the last one left.
  let current = bundle;
  // Host 1 (plain HTTP): index 9 has no filter; index 7 has rateLimit (translate workload rules).
  const edited = { plain: [1, 9], filtered: [1, 7] } as const;
  return {
    bundle, hosts, mappings: hosts * SCALE.mappingsPerHost,
    change(kind, round) {
      const [host, index] = edited[kind];
      const next = mapping(host, index, round);
      const name = next.metadata!.name;
      const changed = current.resources.map((r) => (r.object.kind === "Mapping" && r.object.metadata?.name === name ? { object: next } : r));
      current = { revision: current.revision + 1, resources: changed, errors: [] };
      return { bundle: current, host: `h${host}.example.com`, prefix: String((next.spec as { prefix: string }).prefix) };
    },
  };
}
