// The translate scale workload, built in memory as a source bundle: 10,000 Mappings over 500
// Hosts (half with TLS), 1,000 Services with 3 ready endpoints each, and Wasm filters (auth,
// ratelimit, one custom module) enabled on a third of the Mappings.
import type { BundleResource, KubeObject, ResourceBundle } from "../../controlplane/sources/bundle.ts";

export const SCALE = { hosts: 500, mappingsPerHost: 20, services: 1000, endpointsPerService: 3 };
const GROUP = "attache.dev/v1alpha1";
const CERT = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBbench\n-----END CERTIFICATE-----\n").toString("base64");
const KEY = Buffer.from("-----BEGIN PRIVATE KEY-----\nMIIEbench\n-----END PRIVATE KEY-----\n").toString("base64");

const meta = (name: string, namespace = "default") => ({ name, namespace, generation: 1, resourceVersion: "1" });

export function mapping(host: number, index: number, variant = ""): KubeObject {
  const n = host * SCALE.mappingsPerHost + index;
  const spec: Record<string, unknown> = {
    hostname: `h${host}.example.com`,
    prefix: `/api/${index}${variant}/`,
    service: `svc${n % SCALE.services}`,
  };
  if (n % 10 === 1) spec.method = "GET";
  if (n % 10 === 2) spec.headers = [{ name: "x-tenant", value: `t${n % 7}` }];
  if (n % 10 === 3) spec.timeout = "10s";
  if (n % 3 === 0) {
    // A third of the Mappings run Wasm filters, with per-route settings.
    if (n % 2 === 0) spec.filters = [{ name: "auth", config: { require: ["apiKey"] } }];
    else spec.rateLimit = { requests: 100 + (n % 50), interval: "1m" };
    if (n % 9 === 0) spec.filters = [...((spec.filters as object[]) ?? []), { name: "tagger", config: { tag: `m${n}` } }];
  }
  return { apiVersion: GROUP, kind: "Mapping", metadata: meta(`m${n}`), spec };
}

export function buildWorkload(): ResourceBundle {
  const resources: BundleResource[] = [];
  const add = (object: KubeObject) => resources.push({ object });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("auth"), spec: { module: { builtin: "auth" } } });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("ratelimit"), spec: { module: { builtin: "ratelimit" } } });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("tagger"), spec: { module: { url: "https://modules.example.com/tagger.wasm", sha256: "d4".repeat(32) } } });
  for (let h = 0; h < SCALE.hosts; h++) {
    const spec: Record<string, unknown> = { hostname: `h${h}.example.com` };
    if (h % 2 === 0) {
      spec.tlsSecret = { name: `h${h}-tls` };
      add({ apiVersion: "v1", kind: "Secret", metadata: meta(`h${h}-tls`), type: "kubernetes.io/tls", data: { "tls.crt": CERT, "tls.key": KEY } });
    }
    add({ apiVersion: GROUP, kind: "Host", metadata: meta(`h${h}`), spec });
    for (let i = 0; i < SCALE.mappingsPerHost; i++) add(mapping(h, i));
  }
  for (let s = 0; s < SCALE.services; s++) {
    add({ apiVersion: "v1", kind: "Service", metadata: meta(`svc${s}`), spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
    add({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
      metadata: { ...meta(`svc${s}-1`), labels: { "kubernetes.io/service-name": `svc${s}` } },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      endpoints: Array.from({ length: SCALE.endpointsPerService }, (_, e) => ({
        addresses: [`10.${(s >> 8) & 255}.${s & 255}.${e + 1}`], conditions: { ready: true },
      })),
    });
  }
  return { revision: 1, resources, errors: [] };
}

/** The same bundle with one Mapping's prefix changed: a new object for that resource only,
 *  every other resource the same object, as the sources deliver a change. */
export function changeOneMapping(bundle: ResourceBundle, round: number): ResourceBundle {
  const host = 250;
  const index = 7;
  const name = `m${host * SCALE.mappingsPerHost + index}`;
  const resources = bundle.resources.map((r) =>
    r.object.kind === "Mapping" && r.object.metadata?.name === name
      ? { object: { ...mapping(host, index, `-v${round}`), metadata: { ...meta(name), generation: round + 2, resourceVersion: String(round + 2) } } }
      : r);
  return { revision: bundle.revision + 1, resources, errors: [] };
}

/** The same bundle with one Host's labels changed: a change the model's incremental path
 *  does not handle (it falls back to the full, memoized build). */
export function changeOneHost(bundle: ResourceBundle, round: number): ResourceBundle {
  const name = "h250";
  const resources = bundle.resources.map((r) =>
    r.object.kind === "Host" && r.object.metadata?.name === name
      ? { object: { ...r.object, metadata: { ...meta(name), labels: { round: String(round) }, generation: round + 2 } } }
      : r);
  return { revision: bundle.revision + 1, resources, errors: [] };
}
