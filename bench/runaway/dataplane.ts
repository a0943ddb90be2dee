// The runaway limit at the whole-request level: two `attache dev` stacks in this process, the
// local data plane serving on the main thread (workers: 0), one with modules compiled
// interruptible (the default) and one with them as built (interruptModules: false); the same
// route with the built-in auth + ratelimit + canary filters in front of an upstream in its own
// process; HTTP load from autocannon (npm, its own process), the two stacks taking turns in
// short rounds. Reported: this process's CPU time per request (the load generator and the
// upstream run elsewhere), and requests/s, medians over the rounds.
import { execFile, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { startDevStack, type DevStack } from "../../controlplane/runner/dev.ts";
import { request } from "../../test/http-client.ts";
import { freePort } from "../envoy/ports.ts";
import { API_KEY, filteredYaml } from "../dataplane/workload.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const AUTOCANNON = join(createRequire(import.meta.url).resolve("autocannon/package.json"), "..", "autocannon.js");
const ROUNDS = 10;
const SECONDS = 1;
const CONNECTIONS = 16;

interface Load { rps: number; cpuMicrosPerRequest: number }

async function autocannon(url: string, seconds = SECONDS): Promise<Load> {
  const cpu = process.cpuUsage();
  const { stdout } = await promisify(execFile)(process.execPath, [AUTOCANNON, "--json", "-c", String(CONNECTIONS), "-d", String(seconds), "-H", `x-api-key=${API_KEY}`, url], { encoding: "utf8", maxBuffer: 16 << 20 });
  const used = process.cpuUsage(cpu);
  const r = JSON.parse(stdout) as { requests: { average: number; sent: number }; non2xx: number; errors: number };
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: r.requests.average, cpuMicrosPerRequest: (used.user + used.system) / r.requests.sent };
}

function files(upstream: string): Record<string, string> {
  return { "filtered.yaml": filteredYaml(upstream) };
}

async function stack(upstream: string, interruptModules: boolean): Promise<{ url: string; stack: DevStack; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "attache-bench-runaway-"));
  for (const [name, text] of Object.entries(files(upstream))) writeFileSync(join(dir, name), text);
  const http = await freePort();
  const started = await startDevStack({
    paths: [dir], repoRoot: REPO, exampleUpstreams: false, logger: pino({ level: "silent" }), accessLog: false, workers: 0, interruptModules,
    ports: { http, https: await freePort(), xds: 0, admin: 0, modules: 0, proxyAdmin: 0 },
  });
  const url = `http://127.0.0.1:${http}/filtered/x`;
  const check = await request(url, { headers: { "x-api-key": API_KEY } });
  if (check.status !== 200) throw new Error(`filtered route not ready (interruptModules ${interruptModules}): ${check.status}`);
  return { url, stack: started, dir };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]) => quantile(xs, 0.5);

export async function wholeRequest(): Promise<string> {
  const child = fork(join(REPO, "bench/dataplane/upstream.mjs"), ["0"], { stdio: "ignore" });
  const port: number = await new Promise((resolve) => child.once("message", (m: { port: number }) => resolve(m.port)));
  const stacks: Array<Awaited<ReturnType<typeof stack>>> = [];
  try {
    const upstream = `http://127.0.0.1:${port}`;
    const plain = await stack(upstream, false);
    stacks.push(plain);
    const guarded = await stack(upstream, true);
    stacks.push(guarded);
    await autocannon(plain.url, 3);
    await autocannon(guarded.url, 3);
    const a: Load[] = [];
    const b: Load[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Taking turns at going first, so neither always runs in the other's wake.
      if (round % 2 === 0) { a.push(await autocannon(plain.url)); b.push(await autocannon(guarded.url)); }
      else { b.push(await autocannon(guarded.url)); a.push(await autocannon(plain.url)); }
    }
    const [ca, cb] = [median(a.map((l) => l.cpuMicrosPerRequest)), median(b.map((l) => l.cpuMicrosPerRequest))];
    const [ra, rb] = [median(a.map((l) => l.rps)), median(b.map((l) => l.rps))];
    const ratios = a.map((l, i) => b[i]!.cpuMicrosPerRequest / l.cpuMicrosPerRequest);
    return [
      `Whole HTTP requests through the local data plane (one thread, in this process) on a route with the auth, ratelimit`,
      `and canary filters, modules as built against modules compiled interruptible (\`attache dev\`'s default), autocannon`,
      `with ${CONNECTIONS} connections in its own process, ${ROUNDS} rounds of ${SECONDS} s taking turns; CPU time of the data plane's`,
      `process per request and requests/s, medians.`,
      "",
      "| modules | CPU per request | requests/s |",
      "| --- | --- | --- |",
      `| as built | ${ca.toFixed(1)} µs | ${Math.round(ra)} |`,
      `| interruptible | ${cb.toFixed(1)} µs | ${Math.round(rb)} |`,
      `| ratio | ${(cb / ca).toFixed(2)}x (per-round ratios: median ${median(ratios).toFixed(2)}, middle half ${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}) | ${(rb / ra).toFixed(2)}x |`,
    ].join("\n");
  } finally {
    for (const s of stacks) {
      await s.stack.close();
      rmSync(s.dir, { recursive: true, force: true });
    }
    child.kill();
  }
}
