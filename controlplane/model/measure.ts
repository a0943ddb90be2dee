// Model-stage timing on the issue-4 bench shape: 10,000 Mappings over 500 Hosts, a third of
// them with rateLimit and a custom WasmFilter. `node --expose-gc --import tsx
// controlplane/model/measure.ts` prints the numbers; bench code can call measureModel().
// CPU time (process.cpuUsage) is reported besides wall time because the machines this runs
// on are shared; no assertions here (DESIGN.md: benchmarks report, tests assert behaviour).
import { buildModel, createModelCache, type ModelOptions } from "./index.ts";
import type { KubeObject, ResourceBundle } from "../sources/bundle.ts";

export interface ModelMeasurements {
  mappings: number;
  hosts: number;
  coldMs: number;
  oneChangeCpuMs: { median: number; p90: number };
  unchangedReparsedMs: number;
  heapMb: number;
}

function resources(mappings: number, hosts: number): object[] {
  const list: object[] = [];
  for (let h = 0; h < hosts; h++) list.push({ apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: `h${h}`, namespace: "default" }, spec: { hostname: `h${h}.example.com` } });
  list.push({ apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name: "custom", namespace: "default" }, spec: { module: { url: "https://filters.example.com/custom.wasm", sha256: "e".repeat(64) } } });
  for (let i = 0; i < mappings; i++) {
    const filtered = i % 3 === 0 ? { rateLimit: { requests: 10, interval: "1s" }, filters: [{ name: "custom" }] } : {};
    list.push({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name: `m${i}`, namespace: "default" }, spec: { hostname: `h${i % hosts}.example.com`, prefix: `/svc${i}/`, service: `http://10.0.${(i >> 8) & 255}.${i & 255}:8080`, ...filtered } });
  }
  return list;
}

const toBundle = (list: object[], revision: number): ResourceBundle => ({ revision, resources: list.map((object) => ({ object: object as KubeObject })), errors: [] });

export function measureModel(mappings = 10_000, hosts = 500, changes = 20): ModelMeasurements {
  const objects = resources(mappings, hosts);
  const options: ModelOptions = {
    moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: 18002 },
    modules: { ratelimit: { sha256: "b".repeat(64) } },
    cache: createModelCache(),
    now: "2026-01-01T00:00:00Z",
  };
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let start = performance.now();
  buildModel(toBundle(objects, 1), options);
  const coldMs = performance.now() - start;
  const cpu: number[] = [];
  for (let k = 0; k < changes; k++) {
    const copy = objects.slice();
    const at = hosts + 1 + ((k * 997) % mappings);
    const original = copy[at] as { spec: object };
    copy[at] = { ...original, spec: { ...original.spec, timeout: `${k + 5}s` } };
    const bundle = toBundle(copy, k + 2);
    const before = process.cpuUsage();
    buildModel(bundle, options);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  const reparsed = objects.map((o) => JSON.parse(JSON.stringify(o)) as object);
  start = performance.now();
  buildModel(toBundle(reparsed, changes + 2), options);
  const unchangedReparsedMs = performance.now() - start;
  globalThis.gc?.();
  return {
    mappings,
    hosts,
    coldMs,
    oneChangeCpuMs: { median: cpu[Math.floor(cpu.length / 2)], p90: cpu[Math.floor(cpu.length * 0.9)] },
    unchangedReparsedMs,
    heapMb: (process.memoryUsage().heapUsed - heapBefore) / 1e6,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(measureModel());
