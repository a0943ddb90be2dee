// `attache dev` against bad input and bad luck: a YAML alias bomb in the watched folder (at
// start and while running) is that file's error while the good route serves; /ready means
// "the data plane serves the current config", so a listener port already in use keeps it 503
// with the reason; a data plane killed without close() leaves no socket folder behind.
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, mapping, REPO_ROOT, startE2E, type E2E } from "../e2e/harness.ts";

const aliasBomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x, y]\n  b: [${Array(150).fill("*a").join(", ")}]\n`;

let upstream: http.Server | undefined;
let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
  await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
  upstream = undefined;
});

async function startUpstream(): Promise<number> {
  upstream = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => upstream!.listen(0, "127.0.0.1", r));
  return (upstream.address() as net.AddressInfo).port;
}

async function overview(admin: string): Promise<{ sourceErrors?: Array<{ location: { file: string }; message: string }>; resources: unknown[] }> {
  return (await fetch(`${admin}/debug/overview`)).json() as never;
}

describe("attache dev with hostile files", () => {
  it("an alias bomb present at start and one added later are file errors; the good route serves", async () => {
    const port = await startUpstream();
    e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service: `http://127.0.0.1:${port}` }), "bomb.yaml": aliasBomb });
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
    const errors = JSON.stringify(await overview(e2e.admin));
    expect(errors).toMatch(/bomb\.yaml.*invalid YAML: .*alias/i);
    e2e.write("bomb2.yaml", aliasBomb);
    await eventually(async () => JSON.stringify(await overview(e2e!.admin)).includes("bomb2.yaml"));
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });
});

describe("/ready", () => {
  it("is 503 while the data plane cannot serve the config (port in use), 200 once it does", async () => {
    const port = await startUpstream();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const taken = (squatter.address() as net.AddressInfo).port;
    try {
      e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service: `http://127.0.0.1:${port}` }) }, { httpPort: taken });
      const ready = await fetch(`${e2e.admin}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/data plane does not serve .*EADDRINUSE/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    // The next update binds the freed port.
    e2e.write("other.yaml", mapping("other", { prefix: "/other/", service: `http://127.0.0.1:${port}` }));
    await eventually(async () => (await fetch(`${e2e!.admin}/ready`)).status === 200);
    expect((await fetch(`http://127.0.0.1:${taken}/good/`)).status).toBe(200);
  });
});

describe("data plane socket folder", () => {
  it("a data plane killed without close() leaves nothing in the temporary folder", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "attache-crash-"));
    try {
      const script = `import { DataPlane } from "./devproxy/dataplane.ts";
        const dp = new DataPlane({ xdsAddress: "127.0.0.1:1", workers: 1, accessLog: false });
        dp.on("error", () => undefined);
        setTimeout(() => process.stdout.write("up\\n"), 300);`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      expect(readdirSync(tmp).filter((name) => name.startsWith("attache-dp-"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
