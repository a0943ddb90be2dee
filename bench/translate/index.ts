// `npm run bench -- translate`: the scale test of the control plane's pure stages —
// 10,000 Mappings over 500 Hosts, Wasm filters on a third of them. Measured in a child
// process started with --expose-gc (measure.ts) so heap figures are live data after a full
// collection and no other bench's garbage is counted.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import os from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const mb = (x: number) => `${x.toFixed(0)} MB`;

interface Timing { model: number; translate: number; total: number; modelCpu: number; translateCpu: number; totalCpu: number }
interface Measurement {
  runs: number; inputs: number; routes: number; counts: Record<string, number>;
  full: Timing[]; incremental: (Timing & { changed: number })[]; hostChange: Timing[];
  heap: { beforeMB: number; workloadMB: number; retainedMB: number };
  rssMB: number; maxRssMB: number;
  serialized: { bytes: number; jsonBytes: number; largest: { type: string; name: string; bytes: number }; encodeMs: number };
}

export async function measure(runs = 5): Promise<Measurement> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", join(here, "measure.ts")], {
    env: { ...process.env, BENCH_RUNS: String(runs) },
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(stdout) as Measurement;
}

export default async function run(): Promise<string> {
  const m = await measure();
  const [load1] = os.loadavg();
  const cores = os.cpus().length;
  const pick = (xs: Timing[], k: keyof Timing) => median(xs.map((x) => x[k]));
  const summary = (xs: Timing[]) => ({
    model: pick(xs, "model"), translate: pick(xs, "translate"), total: pick(xs, "total"),
    modelCpu: pick(xs, "modelCpu"), translateCpu: pick(xs, "translateCpu"), totalCpu: pick(xs, "totalCpu"),
  });
  const full = summary(m.full);
  const inc = summary(m.incremental);
  const host = summary(m.hostChange);
  const both = (wall: number, cpuMs: number) => `${ms(wall)} (CPU ${ms(cpuMs)})`;
  const changed = median(m.incremental.map((x) => x.changed));
  const heapMB = m.heap.retainedMB - m.heap.beforeMB;
  const total = Object.values(m.counts).reduce((a, b) => a + b, 0);
  const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
  return `## Translation (control plane: model + translate)

Workload: ${m.inputs.toLocaleString("en")} input resources — 10,000 Mappings over 500 Hosts (half with TLS), 1,000 Services with EndpointSlices, Wasm filters (auth, ratelimit, a custom module) on a third of the Mappings — giving ${m.routes.toLocaleString("en")} routes and ${total.toLocaleString("en")} Envoy resources (${Object.entries(m.counts).map(([t, n]) => `${n} ${t}`).join(", ")}). Medians of ${m.runs} runs in a child process with \`--expose-gc\`; the 1-minute load average was ${load1!.toFixed(1)} on ${cores} cores${load1! > cores * 0.75 ? " (a busy machine: timings are inflated accordingly)" : ""}.

Times are wall clock with this process's CPU time in parentheses; the targets are judged on CPU time, which on a shared machine is what the stages themselves cost.

| measurement | median | target |
| --- | --- | --- |
| full translation, model + translate (cold caches) | ${both(full.total, full.totalCpu)} | < 1 s: ${verdict(full.totalCpu < 1000)} |
| &nbsp;&nbsp;model alone (validate, resolve, build IR) | ${both(full.model, full.modelCpu)} | |
| &nbsp;&nbsp;translate alone (IR -> Envoy JSON) | ${both(full.translate, full.translateCpu)} | |
| one Mapping changed, model + translate (warm caches) | ${both(inc.total, inc.totalCpu)} | < 20 ms: ${verdict(inc.totalCpu < 20)} |
| &nbsp;&nbsp;model alone | ${both(inc.model, inc.modelCpu)} | |
| &nbsp;&nbsp;translate alone | ${both(inc.translate, inc.translateCpu)} | |
| one Host changed, model + translate (the model's full-build fallback, warm caches) | ${both(host.total, host.totalCpu)} | |
| &nbsp;&nbsp;model alone | ${both(host.model, host.modelCpu)} | |
| resources whose object changed after the Mapping edit | ${changed} of ${total.toLocaleString("en")} | |
| live heap after gc (workload + model cache + IR + resources) | ${mb(heapMB)} (workload alone ${mb(m.heap.workloadMB - m.heap.beforeMB)}) | < 300 MB: ${verdict(heapMB < 300)} |
| process RSS at the end / peak | ${mb(m.rssMB)} / ${mb(m.maxRssMB)} | |
| serialized size (encodeJson of every resource) | ${(m.serialized.bytes / 2 ** 20).toFixed(1)} MiB protobuf (${(m.serialized.jsonBytes / 2 ** 20).toFixed(1)} MiB as JSON), encoded in ${ms(m.serialized.encodeMs)} of CPU (first encoding, cold) | |

Ratios against the full run measured alongside: after a one-Mapping change the translator takes ${ms(inc.translateCpu)} of CPU, ${(inc.translateCpu / full.translateCpu * 100).toFixed(1)}% of its cold ${ms(full.translateCpu)} (${(full.translateCpu / inc.translateCpu).toFixed(0)}x less), because it caches per IR object and only the changed virtual host is new; ${changed} resource object(s) differ from the previous snapshot, so a Delta xDS push carries just those. The model stage takes ${ms(inc.modelCpu)} of CPU for the same change, ${(inc.modelCpu / full.modelCpu * 100).toFixed(1)}% of its cold ${ms(full.modelCpu)}: it diffs the bundle against the previous one by object identity and patches its last result — only the edited Mapping is checked and resolved, only its virtual host is rebuilt, only that host's clusters, filter routes and changed statuses are touched (controlplane/model/incremental/incremental.ts; a property test checks the patched result equals a fresh build). Edits to anything but Mappings (Hosts, WasmFilters, AuthServices, Services, EndpointSlices, Secrets) take the full build with warm per-resource caches: ${ms(host.modelCpu)} of model CPU for one Host, ${(host.modelCpu / full.modelCpu * 100).toFixed(0)}% of the cold run. Encoding every resource once (the xDS server caches the bytes per resource object) takes ${ms(m.serialized.encodeMs)} of CPU.

Peers, from their published benchmarks and trackers: Envoy Gateway v1.9.2's own benchmark reports a control-plane mean of 243 MiB at 1,000 HTTPRoutes — a tenth of this workload's routes — and its guidance is that 1,000+ routes take over 15 s to propagate; envoyproxy/gateway#9777 reports full translations of seconds to tens of seconds at tens of thousands of routes. Emissary needs ~45 s to 2 min to apply a route change (emissary-ingress/emissary#1318, #1667) and runs out of memory at 512 MiB with ~300 Mappings (emissary-ingress/emissary#5801). Here the whole 10,000-route translation takes ${ms(full.totalCpu)} of CPU with ${mb(heapMB)} of live heap, and a one-Mapping change ${ms(inc.totalCpu)}. These are our pure stages only: the peers' figures include their Kubernetes watches, xDS push and Envoy's own apply time (Envoy takes ~1 s per update at ~4,000 clusters, envoyproxy/envoy#22602), so the comparison bounds our share of the latency, not the end-to-end figure. Serialized, the config is ${(m.serialized.bytes / 2 ** 20).toFixed(1)} MiB for 10,000 routes (peers: 50k routes = 21 MB, envoyproxy/envoy#36169); the largest single resource is ${(m.serialized.largest.bytes / 1024).toFixed(0)} KiB (${m.serialized.largest.type} \`${m.serialized.largest.name}\`${m.serialized.largest.type === "Listener" ? ", one filter chain per TLS Host" : ""}), ${m.serialized.largest.bytes < 4 * 2 ** 20 ? "under" : "**over**"} gRPC's 4 MiB default message limit.`;
}
