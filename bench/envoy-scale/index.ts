// `npm run bench -- envoy-scale`: the translate bench's scale workload served to real Envoy
// (1.40) through our ADS server, as `attache serve` serves it: how long until Envoy serves
// every route, how long one Mapping change takes to be live in Envoy (a plain one, and one
// whose Mapping carries Wasm filter settings), the xDS bytes each change sends, and both
// processes' memory. Rows: 10,000 Mappings, then the 100,000-Mapping moonshot
// (BENCH_SCALE_HOSTS, default "500,5000": 20 Mappings per Host).
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import { freePort } from "../envoy/ports.ts";
import { NginxUpstream } from "../envoy/upstream.ts";
import { SCALE } from "../translate/workload.ts";
import { cpuNanos } from "../envoy/load.ts";
import { API_KEY } from "./workload.ts";

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, "..", "..");
const CHANGES = Number(process.env.BENCH_CHANGES ?? 20);
const HOSTS = (process.env.BENCH_SCALE_HOSTS ?? "500,5000").split(",").map(Number);
const SAMPLE = 100;
const INITIAL_TIMEOUT_MS = Number(process.env.BENCH_INITIAL_TIMEOUT_S ?? 300) * 1000;
const CHANGE_TIMEOUT_MS = 30_000;

type Msg = Record<string, unknown> & { event: string };

class Child {
  private queue: Msg[] = [];
  private waiters: Array<{ event: string; resolve: (m: Msg) => void }> = [];
  constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: Msg) => {
      const i = this.waiters.findIndex((w) => w.event === m.event);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.queue.push(m);
    });
  }
  next(event: string, timeoutMs = INITIAL_TIMEOUT_MS): Promise<Msg> {
    const i = this.queue.findIndex((m) => m.event === event);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`control plane: no "${event}" within ${timeoutMs} ms`)), timeoutMs);
      const exit = () => reject(new Error(`control plane exited before "${event}"`));
      this.proc.once("exit", exit);
      this.waiters.push({ event, resolve: (m) => { clearTimeout(timer); this.proc.off("exit", exit); resolve(m); } });
    });
  }
  ask(cmd: Record<string, unknown>, event: string): Promise<Msg> {
    this.proc.send(cmd);
    return this.next(event);
  }
}

interface Target { host: string; path: string; tls: boolean; headers: Record<string, string> }

/** Mapping n of the workload as a request that its route (and only it) answers. */
function target(n: number): Target {
  const h = Math.floor(n / SCALE.mappingsPerHost);
  const headers: Record<string, string> = { "x-api-key": API_KEY };
  if (n % 10 === 2) headers["x-tenant"] = `t${n % 7}`;
  return { host: `h${h}.example.com`, path: `/api/${n % SCALE.mappingsPerHost}/x`, tls: h % 2 === 0, headers };
}

/** The status Envoy answers (0: no connection; 404: no route for it yet) and one response header. */
function answer(t: Target, ports: { http: number; https: number }, header = ""): Promise<{ code: number; header?: string }> {
  return new Promise((resolve) => {
    const options = {
      host: "127.0.0.1", port: t.tls ? ports.https : ports.http, path: t.path, method: "GET",
      headers: { ...t.headers, host: t.host }, agent: false as const, timeout: 5000,
      ...(t.tls ? { servername: t.host, rejectUnauthorized: false } : {}),
    };
    const req = (t.tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on("end", () => resolve({ code: res.statusCode ?? 0, header: header ? String(res.headers[header] ?? "") : undefined }));
    });
    req.on("error", () => resolve({ code: 0 }));
    req.on("timeout", () => { req.destroy(); resolve({ code: 0 }); });
    req.end();
  });
}
const status = async (t: Target, ports: { http: number; https: number }) => (await answer(t, ports)).code;
/** Served as configured: the upstream's 200 (auth routes get the API key), or ratelimit's 429.
 *  404 is "no route yet"; a 5xx from Envoy (e.g. a fail-closed filter that did not load) is not live. */
const live = (code: number) => code === 200 || code === 429;

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}
function peakMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!; };
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

interface ChangeResult {
  ms: number; routeMs: number; filterMs?: number; bytes: number; byType: Record<string, number>;
  /** Model + translate of the change. */
  cpMs: number;
  /** CPU time of the control plane process and of Envoy (all threads) from the change until it
   *  was live (+100 ms), including Envoy answering the bench's polling requests. */
  cpCpuMs: number; envoyCpuMs: number;
}

interface Row {
  mappings: number;
  initialMs?: number;
  firstSnapshotMs?: number;
  /** Envoy ACKed every resource sent; then its CPU went quiet (< 10% for 600 ms). */
  ackedMs?: number;
  settledMs?: number;
  modelAndTranslateMs?: number;
  plain: ChangeResult[];
  filtered: ChangeResult[];
  envoyRssMB?: number; envoyPeakMB?: number; cpRssMB?: number; cpPeakMB?: number;
  ratelimitConfigBytes?: number;
  /** Error lines in Envoy's log (the run went on). */
  envoyErrors?: string;
  /** ECDS reloads of the ratelimit filter's configuration over all changes. */
  ecdsReloads?: number;
  /** ADS streams Envoy lost, and the control plane's longest event-loop stall. */
  disconnects?: number;
  maxLoopDelayMs?: number;
  failure?: string;
}

/** Envoy's ECDS reload counter of a filter config (extension_config_discovery stats). */
async function reloads(envoy: EnvoyProcess, filter: string): Promise<number> {
  const text = await envoy.admin(`/stats?filter=${encodeURIComponent(`extension_config_discovery\\.http_filter\\.${filter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.config_reload$`)}`);
  const m = /: (\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function measure(hosts: number, upstreamPort: number): Promise<Row> {
  const mappings = hosts * SCALE.mappingsPerHost;
  const row: Row = { mappings, plain: [], filtered: [] };
  let ecdsReloads = 0;
  const ports = { http: await freePort(), https: await freePort() };
  const proc = fork(join(here, "cp-child.ts"), [String(hosts), String(upstreamPort), String(ports.http), String(ports.https), REPO], {
    execArgv: ["--max-old-space-size=6144", "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const child = new Child(proc);
  let envoy: EnvoyProcess | undefined;
  try {
    const listening = await child.next("listening");
    const t0 = Number(listening.at);
    envoy = await EnvoyProcess.start({
      bootstrap: envoyBootstrap({ xdsAddress: `127.0.0.1:${listening.xds}`, adminPort: 0, nodeId: "scale-bench" }),
      concurrency: 1, logLevel: "warning", startTimeoutMs: 60_000,
    });
    const ready = await child.next("ready");
    row.firstSnapshotMs = Number(ready.firstSnapshotAt) - t0;
    row.modelAndTranslateMs = Number(ready.modelAndTranslateMs);
    row.ratelimitConfigBytes = Number(ready.ratelimitConfigBytes);
    const sample = Array.from({ length: SAMPLE }, (_, k) => Math.floor((k + 0.5) * (mappings / SAMPLE))).map(target);
    const pending = new Set(sample);
    const deadline = t0 + INITIAL_TIMEOUT_MS;
    const lastCodes = new Map<Target, number>();
    while (pending.size) {
      if (Date.now() > deadline) {
        const seen = [...pending].map((t) => lastCodes.get(t) ?? 0).reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<number, number>());
        throw new Error(`initial load: ${pending.size} of ${SAMPLE} sample routes not served after ${INITIAL_TIMEOUT_MS / 1000} s (their last answers: ${[...seen].map(([c, n]) => `${n} x ${c || "no connection"}`).join(", ")})`);
      }
      const codes = await Promise.all([...pending].map(async (t) => [t, await status(t, ports)] as const));
      for (const [t, code] of codes) {
        lastCodes.set(t, code);
        if (live(code)) pending.delete(t);
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 50));
    }
    row.initialMs = Date.now() - t0;
    // Changes are timed once Envoy is done with the initial config: it ACKed everything sent
    // and its CPU has quieted (it goes on loading what the sample did not touch).
    for (;;) {
      if ((await child.ask({ cmd: "acked" }, "acked")).all) break;
      if (Date.now() > deadline) throw new Error("initial load: Envoy did not ACK the whole configuration");
      await new Promise((r) => setTimeout(r, 50));
    }
    row.ackedMs = Date.now() - t0;
    for (let quiet = 0; quiet < 3 && Date.now() < deadline;) {
      const before = cpuNanos(envoy.pid!);
      await new Promise((r) => setTimeout(r, 200));
      quiet = (cpuNanos(envoy.pid!) - before) / 1e6 < 20 ? quiet + 1 : 0;
    }
    row.settledMs = Date.now() - t0;

    for (let round = 0; round < CHANGES; round++) {
      for (const kind of ["plain", "filtered"] as const) {
        const reloadsBefore = await reloads(envoy, "attache.wasm/_builtin/ratelimit");
        const envoyCpuBefore = cpuNanos(envoy.pid!);
        const sent = Date.now();
        const changed = await child.ask({ cmd: "change", kind, round }, "changed");
        const t: Target = { host: String(changed.host), path: `${changed.prefix}x`, tls: false, headers: { "x-api-key": API_KEY } };
        let routeMs = NaN;
        // Filtered: live once the new prefix answers with the new limit in RateLimit-Limit.
        let filterMs: number | undefined = kind === "filtered" ? NaN : undefined;
        while (Number.isNaN(routeMs) || (filterMs !== undefined && Number.isNaN(filterMs))) {
          if (Date.now() - sent > CHANGE_TIMEOUT_MS) throw new Error(`${kind} change ${round}: not live after ${CHANGE_TIMEOUT_MS} ms`);
          const got = await answer(t, ports, "ratelimit-limit");
          if (Number.isNaN(routeMs) && live(got.code)) routeMs = Date.now() - sent;
          if (filterMs !== undefined && Number.isNaN(filterMs) && got.header === String(1000 + round)) filterMs = Date.now() - sent;
        }
        await new Promise((r) => setTimeout(r, 100)); // let every push of this change finish
        // Envoy's CPU before the stats query below: /stats walks every counter.
        const envoyCpuMs = (cpuNanos(envoy.pid!) - envoyCpuBefore) / 1e6;
        ecdsReloads += (await reloads(envoy, "attache.wasm/_builtin/ratelimit")) - reloadsBefore;
        const pushes = await child.ask({ cmd: "pushes" }, "pushes");
        const result: ChangeResult = {
          ms: Math.max(routeMs, filterMs ?? 0), routeMs, filterMs, bytes: Number(pushes.bytes),
          byType: pushes.byType as Record<string, number>, cpMs: Number(changed.modelAndTranslateMs),
          cpCpuMs: Number(pushes.cpuMs), envoyCpuMs,
        };
        row[kind].push(result);
      }
    }
    row.ecdsReloads = ecdsReloads;
    const critical = envoy.lines.filter((l) => /\]\[(critical|error)\]\[/.test(l));
    if (critical.length) row.envoyErrors = `Envoy logged ${critical.length} error line(s), e.g. ${critical.slice(0, 2).map((l) => l.replace(/^\[[^\]]*\]\[\d+\]/, "")).join(" | ").slice(0, 300)}`;
    const stats = await child.ask({ cmd: "stats" }, "stats");
    row.cpRssMB = Number(stats.rssMB);
    row.cpPeakMB = Number(stats.maxRssMB);
    row.disconnects = Number(stats.disconnects);
    row.maxLoopDelayMs = Number(stats.maxLoopDelayMs);
    row.envoyRssMB = rssMB(envoy.pid!);
    row.envoyPeakMB = peakMB(envoy.pid!);
    const nacks = (await child.ask({ cmd: "pushes" }, "pushes")).nacks as string[];
    if (nacks.length) row.failure = `Envoy NACKed: ${nacks.slice(0, 2).join(" | ")}`;
  } catch (err) {
    row.failure = (err as Error).message.split("\n")[0];
    if (envoy) row.failure += ` (Envoy log: ${envoy.problems().slice(-2).join(" | ").slice(0, 400)})`;
    try {
      if (envoy) { row.envoyRssMB = rssMB(envoy.pid!); row.envoyPeakMB = peakMB(envoy.pid!); }
    } catch { /* Envoy gone */ }
  } finally {
    await envoy?.stop();
    proc.send({ cmd: "exit" });
    await new Promise((r) => { proc.once("exit", r); setTimeout(() => { proc.kill("SIGKILL"); r(undefined); }, 3000); });
  }
  return row;
}

const brief = (c: ChangeResult) => [c.ms, c.cpMs, c.cpCpuMs, c.envoyCpuMs].map(Math.round).join("/");

export default async function run(): Promise<string> {
  const upstream = await NginxUpstream.start(await freePort());
  const rows: Row[] = [];
  const loadBefore = loadavg()[0]!;
  try {
    for (const hosts of HOSTS) {
      console.log(`bench envoy-scale: ${hosts * SCALE.mappingsPerHost} Mappings ...`);
      rows.push(await measure(hosts, upstream.port));
      const last = rows.at(-1)!;
      console.log(JSON.stringify({ ...last, plain: last.plain.map(brief), filtered: last.filtered.map(brief) }));
    }
  } finally {
    await upstream.stop();
  }
  const loadAfter = loadavg()[0]!;
  const summary = (xs: ChangeResult[], pick: (c: ChangeResult) => number) => (xs.length ? `${fmtMs(quantile(xs.map(pick), 0.5))} / ${fmtMs(quantile(xs.map(pick), 0.99))}` : "–");
  const cpu = (xs: ChangeResult[]) => (xs.length ? `${fmtMs(quantile(xs.map((c) => c.cpCpuMs), 0.5))} (${fmtMs(quantile(xs.map((c) => c.cpMs), 0.5))}) / ${fmtMs(quantile(xs.map((c) => c.envoyCpuMs), 0.5))}` : "–");
  const configSize = (bytes?: number) => (bytes === undefined ? "–" : bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`);
  const kib = (xs: ChangeResult[]) => (xs.length ? `${(quantile(xs.map((c) => c.bytes), 0.5) / 1024).toFixed(1)} KiB` : "–");
  const types = (xs: ChangeResult[]) => (xs.length ? Object.entries(xs.at(-1)!.byType).map(([t, b]) => `${t} ${(b / 1024).toFixed(1)} KiB`).join(", ") : "");
  const lines = [
    "## Config apply at scale in real Envoy (`bench/envoy-scale`)",
    "",
    `The translate bench's workload (bench/translate/workload.ts: 20 Mappings per Host, half the Hosts with TLS, 1,000 Services, Wasm filters — auth, ratelimit, a custom module — on a third of the Mappings), made servable (bench/envoy-scale/workload.ts: real certificates, endpoints on a local nginx, filter settings the modules accept). ` +
    `The control plane (module server + ADS server + model + translate, as \`attache serve\` runs them, minus the Kubernetes informers: modules inline in ECDS, the first build in slices that let the event loop turn) in its own process; Envoy 1.40 (\`--concurrency 1\`) with \`attache bootstrap\`'s config. ` +
    `Initial load: from the control plane starting its first model + translate (Envoy started at the same moment) until all of ${SAMPLE} sample routes spread over the workload answer as configured (the upstream's 200 — auth routes get the API key — or ratelimit's 429; HTTP, or HTTPS with SNI for TLS Hosts). ` +
    `Changes start once Envoy has ACKed the whole initial configuration and its CPU has gone quiet. A change: one Mapping's prefix edited (the "filtered" one, which has rateLimit, also changes its limit) from the edit entering the pipeline until a request to the new prefix is routed, and for the filtered one until that response carries the new limit in RateLimit-Limit; ${CHANGES} of each. Bytes: everything the ADS server sent Envoy for that change. Machine load (1-min average) ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after, on 2 cores shared with other work.`,
    "",
    "| Mappings | initial load (target) | first snapshot / model + translate | plain change live, p50 / p99 | CPU per plain change, control plane (model + translate) / Envoy | xDS bytes per plain change | filtered change live, p50 / p99 (new prefix routed; new limit answered) | CPU per filtered change, control plane (model + translate) / Envoy | xDS bytes per filtered change | ratelimit plugin config | Envoy RSS (peak) | control plane RSS (peak) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const target = r.mappings >= 100_000 ? "< 30 s" : "< 10 s";
    lines.push(`| ${r.mappings.toLocaleString("en-US")} | ${r.initialMs !== undefined ? fmtMs(r.initialMs) : "–"} (${target}) | ${r.firstSnapshotMs !== undefined ? `${fmtMs(r.firstSnapshotMs)} / ${fmtMs(r.modelAndTranslateMs!)}` : "–"} | ${summary(r.plain, (c) => c.ms)} | ${cpu(r.plain)} | ${kib(r.plain)} | ${summary(r.filtered, (c) => c.ms)} (routed ${summary(r.filtered, (c) => c.routeMs)}; limit ${summary(r.filtered, (c) => c.filterMs ?? 0)}) | ${cpu(r.filtered)} | ${kib(r.filtered)} | ${configSize(r.ratelimitConfigBytes)} | ${r.envoyRssMB?.toFixed(0) ?? "–"} MB (${r.envoyPeakMB?.toFixed(0) ?? "–"}) | ${r.cpRssMB?.toFixed(0) ?? "–"} MB (${r.cpPeakMB?.toFixed(0) ?? "–"}) |`);
  }
  lines.push("");
  for (const r of rows) {
    if (r.filtered.length) lines.push(`- ${r.mappings.toLocaleString("en-US")} Mappings, what one change sends: plain: ${types(r.plain)}; filtered: ${types(r.filtered)}; the ratelimit filter's configuration was reloaded by Envoy ${r.ecdsReloads} times over the ${r.filtered.length + r.plain.length} changes.`);
    if (r.settledMs !== undefined) lines.push(`- ${r.mappings.toLocaleString("en-US")} Mappings, after the initial load: Envoy had ACKed the whole configuration at ${fmtMs(r.ackedMs!)} and was quiet (the changes start) at ${fmtMs(r.settledMs)}.`);
    if (r.disconnects !== undefined) lines.push(`- ${r.mappings.toLocaleString("en-US")} Mappings: ADS stream resets ${r.disconnects}; the control plane's event loop stalled at most ${fmtMs(r.maxLoopDelayMs!)} (Envoy pings the xDS connection with a 5 s timeout).`);
    if (r.envoyErrors) lines.push(`- ${r.mappings.toLocaleString("en-US")} Mappings: ${r.envoyErrors}`);
    if (r.failure) lines.push(`- ${r.mappings.toLocaleString("en-US")} Mappings: **stopped**: ${r.failure}`);
  }
  return lines.join("\n");
}
