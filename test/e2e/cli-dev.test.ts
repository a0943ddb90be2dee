// `attache dev` as a user runs it (`npm start -- --data-plane envoy` is this command): the CLI
// process on free ports with examples/, answering through real Envoy, with Envoy's admin on
// the proxy admin port, and stopping Envoy with itself on Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../controlplane/cli/main.ts";
import { request } from "../http-client.ts";
import { describeWithTools } from "../tools.ts";
import { eventually, freePort, REPO_ROOT } from "./harness.ts";

describe("attache dev flags", () => {
  it.each([
    [["--data-plane", "nginx"], "--data-plane: expected local or envoy, got \"nginx\""],
    [["--workers", "many"], "--workers: expected a thread count, got \"many\""],
  ])("%j is refused with exit 2", async (flags, message) => {
    let err = "";
    const code = await main(["dev", "examples", ...flags], { out: () => undefined, err: (t) => (err += t), cwd: REPO_ROOT });
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});

describeWithTools(["envoy"], "attache dev examples --data-plane envoy (the CLI)", () => {
  let cli: ChildProcess;
  let output = "";
  const ports = { http: 0, https: 0, admin: 0, xds: 0, modules: 0, proxyAdmin: 0 };

  beforeAll(async () => {
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
    // Node with tsx's loader, not the tsx wrapper: Ctrl-C then reaches the CLI itself.
    cli = spawn(process.execPath, ["--import", "tsx", "controlplane/cli/main.ts", "dev", "examples", "--data-plane", "envoy", "--workers", "1",
      "--no-upstreams", "--quiet", "--log-level", "warn", "--http-port", String(ports.http), "--https-port", String(ports.https),
      "--admin-port", String(ports.admin), "--xds-port", String(ports.xds), "--modules-port", String(ports.modules),
      "--proxy-admin-port", String(ports.proxyAdmin)], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    cli.stdout!.on("data", (d) => (output += d));
    cli.stderr!.on("data", (d) => (output += d));
    await eventually(async () => output.includes("Attaché is running"), 45_000, 50);
  });
  afterAll(() => {
    if (cli.exitCode === null) cli.kill("SIGKILL");
  });

  it("serves examples/ through Envoy, with Envoy's admin on the proxy admin port", async () => {
    expect(output).toContain("data plane: Envoy, 1 worker threads");
    const redirect = await request(`http://127.0.0.1:${ports.http}/x`, { headers: { host: "secure.localhost" } });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.server).toBe("envoy");
    const info = await (await fetch(`http://127.0.0.1:${ports.proxyAdmin}/server_info`)).json();
    expect(info.node.id).toBe("attache-dev-envoy");
    expect(info.command_line_options.concurrency).toBe(1);
  });

  it("stops Envoy with itself on Ctrl-C", async () => {
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    cli.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${ports.proxyAdmin}/ready`)).rejects.toThrow();
  });
});
