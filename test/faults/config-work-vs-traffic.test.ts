// Serving traffic never waits for configuration work. `attache dev` runs as its own process
// (as users run it); while it parses a 1 MB YAML file of 40,000 keys, models and translates a file of
// 1,999 Mappings, and its xDS server sees 800 streams open and close, a client keeps
// calling a good route with a two-second budget per request (configuration work on the
// serving thread used to stall it for several): none may fail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort, mapping, REPO_ROOT } from "../e2e/harness.ts";

let dir: string;
let child: ChildProcess;
let upstream: http.Server;
let ports: Record<"http" | "https" | "admin" | "xds" | "modules" | "proxyAdmin", number>;
const good = () => `http://127.0.0.1:${ports.http}/good/`;

beforeAll(async () => {
  upstream = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  dir = mkdtempSync(join(tmpdir(), "attache-busy-"));
  writeFileSync(join(dir, "good.yaml"), mapping("good", { prefix: "/good/", service: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }));
  ports = { http: await freePort(), https: await freePort(), admin: await freePort(), xds: await freePort(), modules: await freePort(), proxyAdmin: await freePort() };
  child = spawn(process.execPath, ["--import", "tsx", "controlplane/cli/bin.ts", "dev", dir, "--no-upstreams", "--quiet", "--log-level", "silent",
    "--http-port", String(ports.http), "--https-port", String(ports.https), "--admin-port", String(ports.admin), "--xds-port", String(ports.xds),
    "--modules-port", String(ports.modules), "--proxy-admin-port", String(ports.proxyAdmin)], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  await eventually(async () => (await fetch(good())).status === 200, 30_000, 100);
}, 40_000);

afterAll(async () => {
  child?.kill("SIGKILL");
  await new Promise((r) => (child && child.exitCode === null ? child.once("exit", r) : r(undefined)));
  await new Promise((r) => upstream?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Calls the good route until `work` settles; returns how many calls failed and were made. */
async function trafficDuring(work: Promise<unknown>): Promise<{ failed: string[]; made: number }> {
  let done = false;
  void work.finally(() => { done = true; });
  const failed: string[] = [];
  let made = 0;
  const loop = async () => {
    while (!done) {
      made++;
      try {
        const res = await fetch(good(), { signal: AbortSignal.timeout(2000) });
        await res.text();
        if (res.status !== 200) failed.push(`status ${res.status}`);
      } catch (err) {
        failed.push((err as Error).name);
      }
    }
  };
  await Promise.all([loop(), loop(), work]);
  return { failed, made };
}

describe("attache dev under configuration work", () => {
  it("a 1 MB YAML file and a file of 1,999 Mappings do not fail requests on a good route", async () => {
    const entries = Array.from({ length: 40_000 }, (_, i) => `  k${i}: "${"v".repeat(14)}"`).join("\n");
    const many = Array.from({ length: 1999 }, (_, i) => mapping(`m${i}`, { prefix: `/m${i}/`, service: "http://127.0.0.1:9" })).join("---\n");
    const work = (async () => {
      writeFileSync(join(dir, "big.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n${entries}\n`);
      writeFileSync(join(dir, "many.yaml"), many);
      // The last Mapping routes (its upstream refuses: 503, no longer 404) once both files are in.
      await eventually(async () => (await fetch(`http://127.0.0.1:${ports.http}/m1998/`)).status === 503, 40_000, 200);
    })();
    const { failed, made } = await trafficDuring(work);
    expect(failed).toEqual([]);
    expect(made).toBeGreaterThan(10);
  }, 50_000);

  it("800 xDS streams opened and dropped do not fail requests on a good route", async () => {
    // The churning client runs in its own process, so its work does not delay this one's loop.
    const script = `const grpc = require("@grpc/grpc-js");
      const client = new grpc.Client("127.0.0.1:${ports.xds}", grpc.credentials.createInsecure());
      const path = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources";
      (async () => {
        for (let round = 0; round < 8; round++) {
          await Promise.all(Array.from({ length: 100 }, () => new Promise((resolve) => {
            const call = client.makeBidiStreamRequest(path, (b) => b, (b) => b);
            call.on("error", resolve);
            call.on("status", resolve);
            call.write(Buffer.alloc(0));
            setTimeout(() => call.cancel(), 5);
          })));
        }
        client.close();
      })();`;
    const churn = spawn(process.execPath, ["-e", script], { cwd: REPO_ROOT, stdio: "inherit" });
    const work = new Promise((resolve) => churn.once("exit", resolve));
    const { failed, made } = await trafficDuring(work);
    expect(failed).toEqual([]);
    expect(made).toBeGreaterThan(10);
  }, 45_000);
});
