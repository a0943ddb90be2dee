// A filter author's whole path, outside this repository: `npm pack` the three packages, install
// them into a fresh folder elsewhere, scaffold a filter project there with
// `attache new filter --dir`, run its tests and its release build as its README says, publish
// the module as a ConfigMap with `attache module configmap`, and serve traffic through it with
// the installed `attache dev` on both data planes. Nothing in the scaffolded project refers to
// this checkout; it gets the SDK and the host from the tarballs and the rest from the registry.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithTools, toolPath } from "../tools.ts";
import { eventually, freePort, REPO_ROOT } from "../e2e/harness.ts";
import { cleanEnv, installCli, installProject, npm, packPackages, scaffold } from "./author-project.ts";

const exec = promisify(execFile);

let work: string;
let project: string;
let attache: string;
let upstream: Server;
let upstreamPort: number;
const seen: Array<Record<string, string | string[] | undefined>> = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "attache-author-"));
  mkdirSync(join(work, "packs"));
  const tarballs = await packPackages(join(work, "packs"));
  attache = await installCli(join(work, "tools"), tarballs);
  project = join(work, "my-check");
  await scaffold(attache, "my-check", project, work);
  await installProject(project, tarballs);

  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url }));
  });
  upstreamPort = await new Promise<number>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve((upstream.address() as { port: number }).port)));
}, 600_000);

afterAll(async () => {
  if (upstream) await new Promise((resolve) => upstream.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a filter project made by `attache new filter --dir`, outside the repository", () => {
  it("knows nothing of this checkout: packages from the tarballs and the registry only", () => {
    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(Object.keys(manifest.devDependencies).sort()).toEqual(["@attache/proxy-wasm-host", "@attache/proxy-wasm-sdk", "assemblyscript", "vitest"]);
    for (const file of ["package.json", "asconfig.json", "README.md", "filters/my-check/index.ts", "filters/my-check/my-check.test.ts"]) {
      expect(readFileSync(join(project, file), "utf8"), file).not.toContain(REPO_ROOT);
    }
  });

  it("`npm test` builds the module and passes its tests on the host harness", async () => {
    const output = await npm(project, "test");
    expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/[1-9]\d* failed/);
  }, 300_000);

  it("`npm run build` writes only the release module, with its sha256 beside it", async () => {
    rmSync(join(project, "build"), { recursive: true, force: true });
    await npm(project, "run", "build");
    const built = join(project, "build", "filters");
    expect(readdirSync(built).filter((f) => f.endsWith(".wasm")).sort()).toEqual(["my-check.release.wasm"]);
    expect(readdirSync(built)).toContain("my-check.release.wasm.sha256");
    const digest = createHash("sha256").update(readFileSync(join(built, "my-check.release.wasm"))).digest("hex");
    expect(readFileSync(join(built, "my-check.release.wasm.sha256"), "utf8")).toBe(`${digest}  my-check.release.wasm\n`);
  }, 300_000);

  it("`attache-filter-build --watch` rebuilds the filter when its source changes", async () => {
    const source = join(project, "filters", "my-check", "index.ts");
    const original = readFileSync(source, "utf8");
    const watcher = spawn(join(project, "node_modules", ".bin", "attache-filter-build"), ["--target", "release", "--watch"], { cwd: project, env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    watcher.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    try {
      await eventually(async () => output.includes("watching"), 60_000);
      expect(output).toContain("build: 0 built, 1 up to date, 0 failed");
      writeFileSync(source, `${original}\nexport const watchedEdit: i32 = 1;\n`);
      await eventually(async () => output.includes("build: 1 built, 0 up to date, 0 failed"), 60_000);
    } finally {
      watcher.kill();
      writeFileSync(source, original);
    }
  }, 180_000);

  it("`attache module configmap` publishes it for the WasmFilter of deploy/", async () => {
    const { stdout } = await exec(attache, ["module", "configmap", "build/filters/my-check.release.wasm", "--name", "my-check-module"], { cwd: project });
    writeFileSync(join(project, "deploy", "my-check-module.yaml"), stdout);
    // The scaffold's Mapping points at the dev stack's echo server; this test brings its own.
    const deploy = join(project, "deploy", "my-check.yaml");
    writeFileSync(deploy, readFileSync(deploy, "utf8").replace("http://127.0.0.1:9001", `http://127.0.0.1:${upstreamPort}`));
    expect(stdout).toContain("kind: ConfigMap");
  }, 60_000);
});

function servesTheFilter(dataPlane: "local" | "envoy") {
  return () => {
    let dev: ChildProcess;
    let http: string;
    const log: string[] = [];

    beforeAll(async () => {
      const ports = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort()));
      const args = ["dev", "deploy", "--data-plane", dataPlane, "--no-upstreams", "--quiet", "--http-port", String(ports[0]), "--https-port", String(ports[1]),
        "--admin-port", String(ports[2]), "--xds-port", String(ports[3]), "--modules-port", String(ports[4]), "--proxy-admin-port", String(ports[5])];
      const env = { ...cleanEnv, ...(dataPlane === "envoy" ? { ENVOY_PATH: toolPath("envoy") } : {}) };
      dev = spawn(attache, args, { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
      dev.stdout!.on("data", (chunk) => log.push(String(chunk)));
      dev.stderr!.on("data", (chunk) => log.push(String(chunk)));
      http = `http://127.0.0.1:${ports[0]}`;
      await eventually(async () => (await fetch(`${http}/my-check/x`)).status === 400, 90_000, 200).catch((error) => {
        throw new Error(`${(error as Error).message}; attache dev said:\n${log.join("").slice(-3000)}`);
      });
    }, 120_000);

    afterAll(async () => {
      if (dev && dev.exitCode === null) {
        const exited = new Promise((resolve) => dev.once("exit", resolve));
        dev.kill("SIGTERM");
        await exited;
      }
    });

    it("rejects a request without the required header with the filter's 400", async () => {
      const res = await fetch(`${http}/my-check/x`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "missing_header", header: "x-api-version" });
    });

    it("lets a request with the header through, with the header the filter adds", async () => {
      seen.length = 0;
      const res = await fetch(`${http}/my-check/x`, { headers: { "x-api-version": "1" } });
      expect(res.status).toBe(200);
      expect(seen.at(-1)?.["x-hello"]).toBe("world");
    });
  };
}

describe("the scaffolded filter serving traffic through the installed `attache dev` (local data plane)", servesTheFilter("local"));
describeWithTools(["envoy"], "the scaffolded filter serving traffic through the installed `attache dev` (Envoy)", servesTheFilter("envoy"));
