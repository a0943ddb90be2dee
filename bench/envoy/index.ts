// `npm run bench -- envoy`: what our AssemblyScript filters cost per request inside real Envoy
// (1.40, V8), next to what a user would pick instead: Envoy's native filters and the same
// filters on the Rust proxy-wasm SDK (twins-rust/). One Envoy serves every case (config.ts),
// `--concurrency 1`, all its threads pinned to core 0; Debian's wrk and the nginx upstream
// share the other core. Cases take turns round by round, so drift hits all alike; figures
// are medians over rounds, and "added" is a case's CPU per request minus the no-filter
// route's in the same round.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import { locate } from "../../scripts/tools/registry.ts";
import { installHint, toolNamed } from "../../scripts/tools/tools.ts";
import { freePort } from "./ports.ts";
import { benchConfig } from "./config.ts";
import { load, type Run } from "./load.ts";
import { jitShare, PERF } from "./profile.ts";
import { buildTwins, type Twins } from "./twins.ts";
import { buildFloorModules } from "./floor.ts";
import { buildBeforeModules, type BeforeModules } from "./before.ts";
import { NginxUpstream } from "./upstream.ts";
import { API_KEY, CANARY_HASH_HEADER, makeWorkload } from "./workload.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = 8;
const ENVOY_CORE = "0";
const LOAD_CORES = `1-${cpus().length - 1}`;
const USER = "user-7";
/** BENCH_BEFORE=<commit>: also run our filters as built from that commit ("before-*" cases, before.ts). */
const BEFORE = process.env.BENCH_BEFORE ?? "";
/** BENCH_CASES=apikey,floor: only the cases whose label starts with one of these (the no-filter case always runs). */
const CASES = (process.env.BENCH_CASES ?? "").split(",").map((c) => c.trim()).filter(Boolean);

/** FNV-1a 64 + fmix64 of the user, in decimal: what the canary filter writes (filters/sdk/hash64.ts). */
function canaryValue(key: string): string {
  const M = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(key)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M;
  h ^= h >> 33n; h = (h * 0xff51afd7ed558ccdn) & M; h ^= h >> 33n; h = (h * 0xc4ceb9fe1a85ec53n) & M; h ^= h >> 33n;
  return h.toString();
}

interface Row { label: string; b: string; c: string; d: string }
const ROWS: Row[] = [
  { label: "auth: API key (2 keys)", b: "apikey", c: "native-apikey", d: "rust-apikey" },
  { label: "auth: JWT RS256 (2048-bit)", b: "jwt", c: "native-jwt", d: "rust-jwt" },
  { label: "ratelimit (per client address)", b: "ratelimit", c: "native-ratelimit", d: "rust-ratelimit" },
  { label: "canary (sticky, header key)", b: "canary", c: "native-canary", d: "rust-canary" },
  { label: "all three: API key + ratelimit + canary", b: "all", c: "native-all", d: "rust-all" },
];
const NATIVE_NAMES: Record<string, string> = {
  "native-apikey": "RBAC, x-api-key header exact match",
  "native-jwt": "jwt_authn, local JWKS, claim_to_headers",
  "native-ratelimit": "local_ratelimit, remote_address descriptor",
  "native-canary": "weighted clusters, client sends the header value",
  "native-all": "RBAC + local_ratelimit + weighted clusters",
};
/** Counters that prove each case's filter ran (Envoy /stats names). */
const PROOF: Record<string, RegExp> = {
  apikey: /auth_allowed/, jwt: /auth_allowed/, ratelimit: /ratelimit_allowed/, canary: /canary_assigned/, all: /canary_assigned/, checks: /canary_assigned/,
  "native-apikey": /rbac\.allowed/, "native-jwt": /jwt_authn\.allowed/, "native-ratelimit": /local_rate_limit\.ok/, "native-all": /local_rate_limit\.ok/,
};

function headersFor(label: string, token: string): Record<string, string> {
  const h: Record<string, string> = { "x-user": USER };
  if (/apikey|all|checks/.test(label)) h["x-api-key"] = API_KEY;
  if (/jwt/.test(label)) h.authorization = `Bearer ${token}`;
  if (/native-(canary|all)/.test(label)) h[CANARY_HASH_HEADER] = canaryValue(USER);
  return h;
}

const FLOOR_READ_NAMES: Record<string, string> = {
  name: "reading `xds.route_name` only", settings: "reading its route settings property only", both: "reading the route name, then the settings (two reads, as our filters did)",
  "name-x20": "reading `xds.route_name` 20 times", "settings-x2": "reading its route settings property twice",
  "settings-x5": "reading its route settings property 5 times", "settings-x20": "reading its route settings property 20 times",
  "header-x20": "reading a request header 20 times", "counter-x20": "incrementing a counter 20 times",
  idle: "making no host call, in a VM of its own (as each of the reads filters and our filters are)",
};

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const kib = (path: string) => `${(statSync(path).size / 1024).toFixed(1)} KiB`;

async function counters(envoy: EnvoyProcess): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await envoy.admin("/stats")).split("\n")) {
    const m = /^(\S+): (\d+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Each case answers 200 with credentials (and refuses without, for auth), and its filter counted it. */
async function verify(envoy: EnvoyProcess, base: string, paths: Record<string, string>, token: string): Promise<void> {
  for (const [label, path] of Object.entries(paths)) {
    const before = await counters(envoy);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}${path}x`, { headers: headersFor(label, token) });
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${await res.text()}`);
    }
    if (/apikey|jwt|all|checks/.test(label)) {
      const denied = await fetch(`${base}${path}x`);
      if (denied.status !== 401 && denied.status !== 403) throw new Error(`${label}: ${denied.status} without credentials`);
    }
    const proof = PROOF[label.replace(/^(rust|before)-/, "")];
    if (!proof) continue;
    const after = await counters(envoy);
    const grew = [...after].some(([name, v]) => proof.test(name) && v > (before.get(name) ?? 0));
    if (!grew) throw new Error(`${label}: no counter matching ${proof} moved: its filter did not run`);
  }
}

export default async function run(): Promise<string> {
  const missing = ["envoy", "wrk", "nginx", "taskset"].filter((n) => !locate(toolNamed(n)));
  if (missing.length) throw new Error(`bench envoy needs ${missing.join(", ")}: ${installHint(missing)}`);
  if (cpus().length < 2) throw new Error("bench envoy needs 2 cores (Envoy on one, load and upstream on the other)");

  let twins: Twins | undefined;
  let twinsProblem = "";
  try {
    twins = await buildTwins();
  } catch (err) {
    twinsProblem = (err as Error).message.split("\n").slice(0, 3).join(" ");
  }

  const upstream = await NginxUpstream.start(await freePort());
  execFileSync("taskset", ["-a", "-p", "-c", LOAD_CORES, String(upstream.pid)], { stdio: "ignore" });
  const workload = makeWorkload(`http://127.0.0.1:${upstream.port}`);
  const listenPort = await freePort();
  const before: BeforeModules | undefined = BEFORE ? await buildBeforeModules(BEFORE) : undefined;
  const config = benchConfig({ listenPort, workload, twins: twins?.modules, floor: await buildFloorModules(), before });
  let envoy: EnvoyProcess | undefined;
  const loadBefore = loadavg()[0]!;
  const runs = new Map<string, Run[]>();
  /** Envoy CPU µs per request spent in V8's generated code (the Wasm module), from perf. */
  const jitMicros = new Map<string, number>();
  const labels = Object.keys(config.paths).filter((l) => l === "none" || !CASES.length || CASES.some((c) => l.startsWith(c)));
  try {
    envoy = await EnvoyProcess.start({ bootstrap: config.bootstrap, concurrency: 1, logLevel: "warning" });
    execFileSync("taskset", ["-a", "-p", "-c", ENVOY_CORE, String(envoy.pid)], { stdio: "ignore" });
    const base = `http://127.0.0.1:${listenPort}`;
    await verify(envoy, base, Object.fromEntries(labels.map((l) => [l, config.paths[l]!])), workload.token);
    const once = (label: string, seconds: number) =>
      load({ url: `${base}${config.paths[label]}x`, headers: headersFor(label, workload.token), seconds, connections: CONNECTIONS, cores: LOAD_CORES, envoyPid: envoy!.pid! });
    for (const label of labels) await once(label, 1);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no case always follows the same neighbour.
      const order = labels.map((_, i) => labels[(i + round * 3) % labels.length]!);
      for (const label of order) {
        const r = await once(label, SECONDS);
        if (r.failures) throw new Error(`${label}: ${r.failures} failed requests`);
        runs.set(label, [...(runs.get(label) ?? []), r]);
      }
      console.log(`bench envoy: round ${round + 1}/${ROUNDS}: ` + order.map((l) => `${l} ${fmt(runs.get(l)!.at(-1)!.cpuMicros)}`).join(", ") + " µs/req");
    }
    // Profile: how much of each Wasm case's CPU is the module's own (JIT) code.
    if (PERF) {
      for (const label of labels.filter((l) => !l.startsWith("native-") && l !== "none")) {
        let measured: Run | undefined;
        const share = await jitShare(envoy.pid!, async () => { measured = await once(label, SECONDS); });
        jitMicros.set(label, share * measured!.cpuMicros);
      }
    }
  } finally {
    await envoy?.stop();
    await upstream.stop();
  }
  const loadAfter = loadavg()[0]!;

  const med = (label: string, pick: (r: Run) => number) => (runs.has(label) ? median(runs.get(label)!.map(pick)) : NaN);
  /** Median over rounds of (case − none) CPU per request in the same round. */
  const added = (label: string) => {
    const mine = runs.get(label);
    if (!mine) return NaN;
    return median(mine.map((r, i) => r.cpuMicros - runs.get("none")![i]!.cpuMicros));
  };

  const lines: string[] = [];
  lines.push("## Filters inside Envoy (`bench/envoy`)", "");
  lines.push(
    `Envoy 1.40.0 (V8), \`--concurrency 1\`, every Envoy thread pinned to core ${ENVOY_CORE} (taskset); Debian's wrk (1 thread, ${CONNECTIONS} connections, HTTP/1.1 keep-alive) and an nginx upstream (1 worker, 200 from memory) pinned to core ${LOAD_CORES}. ` +
    `One Envoy serves every case on its own route (bench/envoy/config.ts): (a) no filter; (b) our AssemblyScript filters exactly as the translator delivers them (its HCM chain with \`disabled: true\` filters switched on per route, its route names, Wasm configs and plugin configurations; ECDS and the module server replaced by the same configs inline and the module read from the file with the same sha256); ` +
    `(c) Envoy's native filters with the same keys and limits; (d) the same filters on the Rust proxy-wasm SDK (bench/envoy/twins-rust, proxy-wasm 0.2.2, Debian rustc 1.63, release + LTO) reading the very same plugin configuration strings and per-route settings (route metadata, under their own plugin names). (e) the floor: a Wasm filter that makes no host call (once, and three plugins in one VM), and one that makes one kind of host call only, once or 20 times per request (bench/envoy/floor/). ` +
    (before ? `(b) before: our filters built from commit ${before.commit} (bench/envoy/before.ts), on copies of the same routes with that commit's route settings. ` : "") +
    (labels.includes("checks") ? `The experiment: the three checks of "all" in one filter, built from the filters' own code (bench/envoy/combined). ` : "") +
    `${ROUNDS} rounds x ${SECONDS} s per case, cases in turn within each round, after a 1 s warm-up each; every case was first checked to answer 200 (and to refuse without credentials) and to move its filter's counter. ` +
    `CPU is Envoy's (all threads, /proc/<pid>/task/*/schedstat) per request; "added" = the case minus (a) in the same round, median over rounds. Machine load (1-min average) ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after, on 2 cores shared with other work.`,
    "",
  );
  lines.push("| case | requests/s | Envoy CPU µs/req | p50 ms | p99 ms |", "| --- | ---: | ---: | ---: | ---: |");
  for (const label of labels) {
    const name = label === "none" ? "(a) no filter" : label.startsWith("floor-reads-") ? `(e) Wasm filter ${FLOOR_READ_NAMES[label.slice(12)]}` : label.startsWith("floor-") ? `(e) no-op Wasm filter x ${label.slice(6)}` : label.startsWith("before-") ? `(b) before, the filters of commit ${BEFORE}: ${label.slice(7)}` : label === "checks" ? "(b) experiment: API key + ratelimit + canary in one filter (bench/envoy/combined)" : label.startsWith("native-") ? `(c) native: ${NATIVE_NAMES[label]}` : label.startsWith("rust-") ? `(d) Rust SDK twin: ${label.slice(5)}` : `(b) AssemblyScript: ${label}`;
    lines.push(`| ${name} | ${fmt(med(label, (r) => r.rps), 0)} | ${fmt(med(label, (r) => r.cpuMicros))} | ${fmt(med(label, (r) => r.p50Ms), 2)} | ${fmt(med(label, (r) => r.p99Ms), 2)} |`);
  }
  lines.push("");
  lines.push(
    "| filter | added CPU µs/req: (b) ours | (c) native | (d) Rust SDK | (b)/(c) (target ≤ 3) | (b)/(d) (target ≤ 1.0) | in Wasm code (perf): (b) / (d) | module (b) | module (d) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  const moduleOf: Record<string, [string, string] | undefined> = {
    apikey: [config.modules["attache.wasm/default/auth-key"]!, twins?.modules.auth ?? ""],
    jwt: [config.modules["attache.wasm/default/auth-jwt"]!, twins?.modules.auth ?? ""],
    ratelimit: [config.modules["attache.wasm/_builtin/ratelimit"]!, twins?.modules.ratelimit ?? ""],
    canary: [config.modules["attache.wasm/_builtin/canary"]!, twins?.modules.canary ?? ""],
  };
  for (const row of ROWS) {
    const [b, c, d] = [added(row.b), added(row.c), added(row.d)];
    const mods = moduleOf[row.b];
    lines.push(`| ${row.label} | ${fmt(b)} | ${fmt(c)} | ${fmt(d)} | ${c > 0.05 ? fmt(b / c, 2) : "–"} | ${d > 0.05 ? fmt(b / d, 2) : "–"} | ${fmt(jitMicros.get(row.b) ?? NaN)} / ${fmt(jitMicros.get(row.d) ?? NaN)} | ${mods ? kib(mods[0]) : "3 modules"} | ${mods && mods[1] ? kib(mods[1]) : twins ? "3 modules" : "–"} |`);
  }
  lines.push("");
  const all = added("all");
  lines.push(`The three together add **${fmt(all)} µs** of Envoy CPU per request (target < 25 µs: ${all < 25 ? "met" : "missed"}).`);
  if (before) {
    const pairs = ["apikey", "ratelimit", "canary", "all"].filter((l) => runs.has(l) && runs.has(`before-${l}`));
    lines.push("", `Before / after in this run, added CPU µs per request (the filters built from commit ${BEFORE}, which read \`xds.route_name\` and then the route settings, on the same routes with that commit's settings): ` +
      pairs.map((l) => `${l} ${fmt(added(`before-${l}`))} -> **${fmt(added(l))}**`).join(", ") + ".");
  }
  if (runs.has("checks")) lines.push("", `The experiment: the same three checks in one filter (one instance, one settings read; bench/envoy/combined) add **${fmt(added("checks"))} µs**, the three filters ${fmt(all)} µs in the same run.`);
  /** One host call's price: (20 calls per request − the no-op filter) / 20. */
  const perCall = (label: string) => (added(label) - added("floor-1")) / 20;
  lines.push("", `The floor (e): a Wasm filter that makes no host call and answers Continue (bench/envoy/floor/noop.wasm.ts) adds **${fmt(added("floor-1"))} µs** per request on its own, and three of them (three plugins, one VM) **${fmt(added("floor-3"))} µs** (in Wasm code: ${fmt(jitMicros.get("floor-1") ?? NaN)} / ${fmt(jitMicros.get("floor-3") ?? NaN)} µs): what Envoy spends per Wasm filter instance whatever the filter does. ` +
    `One host call, from the cases making it 20 times per request (minus the no-op filter, / 20): \`xds.route_name\` **${fmt(perCall("floor-reads-name-x20"))} µs**, the route settings property **${fmt(perCall("floor-reads-settings-x20"))} µs**, a request header **${fmt(perCall("floor-reads-header-x20"))} µs**, a counter increment **${fmt(perCall("floor-reads-counter-x20"))} µs**. ` +
    `Once per request: the route name ${fmt(added("floor-reads-name"))} µs, the settings ${fmt(added("floor-reads-settings"))} µs, both (what each of our filters read per request before this change) ${fmt(added("floor-reads-both"))} µs.`);
  if (!twins) lines.push("", `(d) not measured: ${twinsProblem}`);
  if (!PERF) lines.push("", "perf is not installed: the Wasm-code column is empty (apt-get install -y linux-perf).");
  return lines.join("\n");
}
