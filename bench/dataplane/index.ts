// `npm run bench -- dataplane`: HTTP throughput and latency of the local data plane with an
// HTTP load generator from the npm registry (autocannon, in its own process), against
// (a) the upstream directly, (b) the data plane with no filters on the route and (c) with the
// built-in auth (API key) + ratelimit (never limiting) + sticky canary filters on the route;
// plus the time from writing a Mapping file to the first 200 through the whole stack.
// Rounds interleave a, b, c so machine drift hits all three alike; medians are reported. Rounds
// are many and short (1 s after one warm-up per target): this machine's speed swings by up to
// 2x for seconds at a time, and a ratio of (b) and (c) run within ~3 s of each other, taken
// over 20 rounds, is far steadier than one of 5 s runs over 5 rounds was (0.80-0.87 between
// runs of the same code).
// The data plane's CPU time per request (this process: control plane, data plane and its
// threads; the load generator and the upstream run elsewhere) is reported too: on a shared
// machine it moves far less than requests/s, which also depends on what else gets the cores.
//
// Modes: the default data plane (one worker thread per core), sharing every core with the load
// generator and the upstream; and a single-thread data plane that, where `taskset` exists and
// there are two cores or more, gets a core of its own (this process is pinned to core 0, the
// load generator and the upstream to the others). Then the data plane is the bottleneck and
// its throughput is its own cost, not a share of cores fought over with autocannon: on a
// 2-core machine the clearest measure of what the filters add.
import { execFile, execFileSync, fork } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { startDevStack } from "../../controlplane/runner/dev.ts";
import { freePort } from "../envoy/ports.ts";
import { API_KEY, filteredYaml } from "./workload.ts";
import { request } from "../../test/http-client.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);
const AUTOCANNON = join(require.resolve("autocannon/package.json"), "..", "autocannon.js");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 32;
const WORKERS = process.env.BENCH_WORKERS === undefined ? undefined : Number(process.env.BENCH_WORKERS);
const CORES = cpus().length;

/** `taskset` is there and there are cores to split (else the pinned mode runs unpinned). */
function canPin(): boolean {
  if (CORES < 2 || process.platform !== "linux") return false;
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Sets the CPU affinity of every thread of `pid` (threads started later inherit it). */
function pin(pid: number, cores: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" });
}

const ALL_CORES = `0-${CORES - 1}`;
const OTHER_CORES = `1-${CORES - 1}`;

interface Load { rps: number; p50: number; p99: number; errors: number; non2xx: number; cpuMicrosPerRequest: number }

// Asynchronous on purpose: the control plane and the data plane (in single-thread mode, all of
// it) run on this process's main thread: blocking it (execFileSync) would stall them.
async function autocannon(url: string, headers: Record<string, string> = {}, cores?: string, seconds = SECONDS): Promise<Load> {
  const args = [AUTOCANNON, "--json", "-c", String(CONNECTIONS), "-d", String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
  args.push(url);
  const [command, argv] = cores ? ["taskset", ["-c", cores, process.execPath, ...args]] : [process.execPath, args];
  const cpu = process.cpuUsage();
  const { stdout: out } = await promisify(execFile)(command, argv, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const used = process.cpuUsage(cpu);
  const r = JSON.parse(out);
  const cpuMicrosPerRequest = (used.user + used.system) / r.requests.sent;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, cpuMicrosPerRequest };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const median = (xs: number[]) => quantile(xs, 0.5);
/** The interquartile range of per-round ratios: how far one round's figure can be trusted. */
const spread = (xs: number[]) => `${quantile(xs, 0.25).toFixed(2)}–${quantile(xs, 0.75).toFixed(2)}`;

function files(upstream: string): Record<string, string> {
  return {
    "plain.yaml": `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: plain }
spec: { prefix: /plain/, service: "${upstream}" }
`,
    "filtered.yaml": `${filteredYaml(upstream)}---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: filtered-canary }
spec:
  prefix: /filtered/
  service: "${upstream}"
  weight: 10
  filters: [{ name: auth }]
  rateLimit: { requests: 1000000, interval: 1s, keyBy: [clientAddress] }
`,
  };
}

interface ModeResult { workers: number; pinned: boolean; b: Load[]; c: Load[]; applyMs: number[] }

/**
 * One data plane mode: (b) and (c) interleaved with (a), then the config-apply latency. When
 * `pinned`, this process (the data plane) runs on core 0 and autocannon on the other cores.
 */
async function measureMode(workers: number | undefined, pinned: boolean, upstream: string, a: Load[]): Promise<ModeResult> {
  const loadCores = pinned ? OTHER_CORES : undefined;
  const dir = mkdtempSync(join(tmpdir(), "attache-bench-dp-"));
  for (const [name, text] of Object.entries(files(upstream))) writeFileSync(join(dir, name), text);
  const [http, https] = [await freePort(), await freePort()];
  const stack = await startDevStack({
    paths: [dir], repoRoot: REPO, exampleUpstreams: false, logger: pino({ level: "silent" }), accessLog: false, workers,
    ports: { http, https, xds: 0, admin: 0, modules: 0, proxyAdmin: 0 },
  });
  try {
    const gw = `http://127.0.0.1:${http}`;
    const check = await request(`${gw}/filtered/x`, { headers: { "x-api-key": API_KEY } });
    const denied = await request(`${gw}/filtered/x`);
    if (check.status !== 200 || denied.status !== 401) throw new Error(`filtered route not ready: ${check.status} with key, ${denied.status} without`);
    const result: ModeResult = { workers: stack.dataPlane.workers, pinned, b: [], c: [], applyMs: [] };
    // Warm-up: JIT tiers, connection pools and the Wasm modules' first requests.
    if (!pinned) await autocannon(`${upstream}/`, {}, undefined, WARMUP_SECONDS);
    await autocannon(`${gw}/plain/`, {}, loadCores, WARMUP_SECONDS);
    await autocannon(`${gw}/filtered/`, { "x-api-key": API_KEY }, loadCores, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      if (!pinned) a.push(await autocannon(`${upstream}/`));
      // (b) and (c) take turns going first, so neither always runs in the other's wake.
      const b = () => autocannon(`${gw}/plain/`, {}, loadCores);
      const c = () => autocannon(`${gw}/filtered/`, { "x-api-key": API_KEY }, loadCores);
      if (round % 2 === 0) {
        result.b.push(await b());
        result.c.push(await c());
      } else {
        result.c.push(await c());
        result.b.push(await b());
      }
    }
    // Config apply latency: write a new Mapping (write + rename, as editors do), poll for 200.
    for (let i = 0; i < 10; i++) {
      const tmp = join(dir, `.apply-${i}.tmp`);
      writeFileSync(tmp, `apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata: { name: apply-${i} }\nspec: { prefix: /apply-${i}/, service: "${upstream}" }\n`);
      const started = performance.now();
      renameSync(tmp, join(dir, `apply-${i}.yaml`));
      for (;;) {
        const r = await request(`${gw}/apply-${i}/`);
        if (r.status === 200) break;
        if (performance.now() - started > 10_000) throw new Error("config not applied within 10 s");
        await new Promise((res) => setTimeout(res, 1));
      }
      result.applyMs.push(performance.now() - started);
    }
    return result;
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<string> {
  const child = fork(join(REPO, "bench/dataplane/upstream.mjs"), ["0"], { stdio: "ignore" });
  const upstreamPort: number = await new Promise((resolve) => child.once("message", (m: any) => resolve(m.port)));
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const loadBefore = loadavg()[0];
  try {
    const a: Load[] = [];
    // The default (one worker thread per core, unpinned) and the single thread on its own core.
    const pinnable = canPin();
    const modes: Array<[number | undefined, boolean]> = WORKERS === undefined ? [[undefined, false], [0, pinnable]] : [[WORKERS, false]];
    const results: ModeResult[] = [];
    for (const [workers, pinned] of modes) {
      if (pinned) {
        pin(process.pid, "0");
        pin(child.pid!, OTHER_CORES);
      }
      try {
        results.push(await measureMode(workers, pinned, upstream, a));
      } finally {
        if (pinned) {
          pin(process.pid, ALL_CORES);
          pin(child.pid!, ALL_CORES);
        }
      }
    }

    const cpu = (loads: Load[]) => median(loads.map((l) => l.cpuMicrosPerRequest));
    const row = (name: string, loads: Load[], dataPlane = true) => {
      const rps = median(loads.map((l) => l.rps));
      // Cores the data plane kept busy: about 1 when it has one core to itself and is the bottleneck.
      const busy = dataPlane ? (rps * cpu(loads) / 1e6).toFixed(2) : "–";
      return `| ${name} | ${Math.round(rps)} | ${dataPlane ? Math.round(cpu(loads)) : "–"} | ${busy} | ${median(loads.map((l) => l.p50))} | ${median(loads.map((l) => l.p99))} | ${loads.reduce((n, l) => n + l.errors + l.non2xx, 0)} |`;
    };
    const rps = (loads: Load[]) => median(loads.map((l) => l.rps));
    const lines = [
      "## Data plane (`bench/dataplane`)",
      "",
      `autocannon (separate process), ${CONNECTIONS} connections, ${SECONDS} s per run after one ${WARMUP_SECONDS} s warm-up per target, ${ROUNDS} rounds per mode, (a) (b) (c) interleaved; ${CORES} cores; machine load (1-min load average) ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run. Worker-thread mode: the data plane shares every core with the load generator and the upstream. Pinned mode: the data plane (this process) has core 0 to itself, autocannon and the upstream the other cores, so the data plane is the bottleneck and requests/s is its own cost. Medians; "CPU µs/req" is the data plane process's CPU time per request (all its threads):`,
      "",
      "| target | requests/s | CPU µs/req | data plane cores busy (≈ req/s × CPU/req) | p50 ms | p99 ms | errors + non-2xx |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      row("(a) upstream directly", a, false),
    ];
    const modeName = (r: ModeResult) => (r.workers === 0 ? "single thread" : `${r.workers} worker threads`) + (r.pinned ? ", own core" : "");
    for (const r of results) {
      const mode = modeName(r);
      lines.push(row(`(b) data plane (${mode}), no filters`, r.b));
      lines.push(row(`(c) data plane (${mode}), auth (API key) + ratelimit + canary`, r.c));
    }
    lines.push("");
    for (const r of results) {
      const mode = modeName(r);
      const pair = r.c.map((c, i) => c.rps / r.b[i].rps);
      const cpuPair = r.c.map((c, i) => r.b[i].cpuMicrosPerRequest / c.cpuMicrosPerRequest);
      // The headline is the median of per-round ratios: (b) and (c) of one round run back to back,
      // so the machine's drift between rounds (a third here) cancels; the ratio of the medians
      // takes (b) and (c) from different rounds and is shown beside it.
      lines.push(`- ${mode}: (c)/(b) throughput, median of per-round ratios **${median(pair).toFixed(2)}** (middle half of the rounds ${spread(pair)}; ratio of the medians ${(rps(r.c) / rps(r.b)).toFixed(2)}; target >= 0.8); CPU per request (b)/(c), median of per-round ratios ${median(cpuPair).toFixed(2)} (ratio of the medians ${(cpu(r.b) / cpu(r.c)).toFixed(2)}); (b)/(a) ${(rps(r.b) / rps(a)).toFixed(2)}; Mapping file write -> first 200 through the whole stack: median **${median(r.applyMs).toFixed(1)} ms** (min ${Math.min(...r.applyMs).toFixed(1)}, max ${Math.max(...r.applyMs).toFixed(1)}, 10 writes; target < 100 ms; includes the file watcher's 20 ms debounce).`);
    }
    return lines.join("\n");
  } finally {
    child.kill();
  }
}
