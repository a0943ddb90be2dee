// Child process of bench/translate/index.ts (run with --expose-gc so heap figures are live
// data after a full collection). Prints one JSON object with the raw measurements.
import { performance } from "node:perf_hooks";
import { encodeJson } from "../../protos/json.ts";
import { buildModel, createModelCache } from "../../controlplane/model/index.ts";
import { translate, TYPE, type XdsResources } from "../../controlplane/translate/index.ts";
import { buildWorkload, changeOneHost, changeOneMapping } from "./workload.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const options = {
  moduleServer: { clusterName: "attache_modules", host: "attache.attache-system.svc", port: 18002 },
  modules: { auth: { sha256: "a1".repeat(32) }, ratelimit: { sha256: "b2".repeat(32) }, canary: { sha256: "c3".repeat(32) } },
  now: "2026-01-01T00:00:00Z",
};

function changedResources(before: XdsResources, after: XdsResources): number {
  let changed = 0;
  for (const type of Object.values(TYPE)) {
    const previous: ReadonlyMap<string, unknown> = before[type];
    for (const [name, resource] of after[type]) if (previous.get(name) !== resource) changed++;
  }
  return changed;
}

gc();
const heapBefore = process.memoryUsage().heapUsed;
const bundle = buildWorkload();
gc();
const heapWorkload = process.memoryUsage().heapUsed;

interface Timing { model: number; translate: number; total: number; modelCpu: number; translateCpu: number; totalCpu: number }
const full: Timing[] = [];
const incremental: (Timing & { changed: number })[] = [];
const hostChange: Timing[] = [];
/** This process's user + system CPU time in milliseconds. */
const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
let kept: unknown;
let counts: Record<string, number> = {};
let routes = 0;
for (let run = 0; run < RUNS; run++) {
  kept = undefined;
  gc();
  const cache = createModelCache();
  // Wall time and this process's CPU time: on a shared machine the CPU time is what the
  // stage itself costs; the wall time adds waiting for other processes.
  const c0 = cpu();
  const t0 = performance.now();
  const model = buildModel(bundle, { ...options, cache });
  const t1 = performance.now();
  const c1 = cpu();
  const resources = translate(model.ir);
  const t2 = performance.now();
  const c2 = cpu();
  full.push({ model: t1 - t0, translate: t2 - t1, total: t2 - t0, modelCpu: c1 - c0, translateCpu: c2 - c1, totalCpu: c2 - c0 });
  counts = Object.fromEntries(Object.entries(resources).map(([t, m]) => [t.slice(t.lastIndexOf(".") + 1), m.size]));
  routes = model.ir.virtualHosts.reduce((sum, v) => sum + v.routes.length, 0);

  const changedBundle = changeOneMapping(bundle, run);
  const c3 = cpu();
  const t3 = performance.now();
  const model2 = buildModel(changedBundle, { ...options, cache });
  const t4 = performance.now();
  const c4 = cpu();
  const resources2 = translate(model2.ir);
  const t5 = performance.now();
  const c5 = cpu();
  incremental.push({
    model: t4 - t3, translate: t5 - t4, total: t5 - t3, modelCpu: c4 - c3, translateCpu: c5 - c4, totalCpu: c5 - c3,
    changed: changedResources(resources, resources2),
  });

  // A Host edit: the model's incremental path only takes Mapping edits, so this is the cost
  // of its fallback, the full build with every per-resource cache warm.
  const c6 = cpu();
  const t6 = performance.now();
  const model3 = buildModel(changeOneHost(changedBundle, run), { ...options, cache });
  const t7 = performance.now();
  const c7 = cpu();
  translate(model3.ir);
  const t8 = performance.now();
  const c8 = cpu();
  hostChange.push({ model: t7 - t6, translate: t8 - t7, total: t8 - t6, modelCpu: c7 - c6, translateCpu: c8 - c7, totalCpu: c8 - c6 });
  kept = { cache, model2, resources2 };
}

// Live heap with the bundle, the model cache, the IR and the resources all retained.
gc();
const heapRetained = process.memoryUsage().heapUsed;
const { resources2 } = kept as { resources2: XdsResources };

const c9 = cpu();
let bytes = 0;
let largest = { type: "", name: "", bytes: 0 };
for (const [typeUrl, resources] of Object.entries(resources2)) {
  for (const [name, resource] of resources) {
    const size = encodeJson(typeUrl, resource).length;
    bytes += size;
    if (size > largest.bytes) largest = { type: typeUrl.slice(typeUrl.lastIndexOf(".") + 1), name, bytes: size };
  }
}
const encodeMs = cpu() - c9;
let jsonBytes = 0;
for (const resources of Object.values(resources2)) for (const resource of resources.values()) jsonBytes += JSON.stringify(resource).length;

process.stdout.write(JSON.stringify({
  runs: RUNS,
  inputs: bundle.resources.length,
  routes,
  counts,
  full,
  incremental,
  hostChange,
  heap: { beforeMB: heapBefore / 2 ** 20, workloadMB: heapWorkload / 2 ** 20, retainedMB: heapRetained / 2 ** 20 },
  rssMB: process.memoryUsage().rss / 2 ** 20,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  serialized: { bytes, jsonBytes, largest, encodeMs, listenerType: TYPE.listener },
}));
