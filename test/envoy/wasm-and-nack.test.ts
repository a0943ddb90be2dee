// Wasm module delivery and the NACK path, proven with real Envoy (modules/delivery.ts,
// status/nack-blame.ts):
// - a module Envoy cannot load is a real NACK; the WasmFilter (only it) is Programmed=False
//   with Envoy's message, in status and on the diagnostics endpoints, and Envoy keeps serving
//   the last good module;
// - a wrong sha256 or an unreachable module server is never sent: ResolvedRefs=False with the
//   reason, and the last good module keeps serving;
// - a listener whose first filter config Envoy rejects does not warm forever: it serves, and
//   the FAIL_CLOSED filter's routes answer 503 while the others work;
// - swapping the module under load fails no request.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { sha256Hex } from "../../controlplane/modules/registry.ts";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { describeWithTools } from "../tools.ts";
import { envoyWithEcho, freePort, REPO_ROOT, type EnvoyStack } from "./stack.ts";

const TEMPLATE = readFileSync(join(REPO_ROOT, "build", "filters", "template.release.wasm"));
/** A valid WebAssembly module without the proxy-wasm ABI: Envoy cannot start it. */
const NOT_PROXY_WASM = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

/** The template filter with a custom section appended: same behaviour, another module. */
function variant(tag: string): Buffer {
  const name = Buffer.from("attache-test");
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(tag)]);
  return Buffer.concat([TEMPLATE, Buffer.from([0, payload.length]), payload]);
}

/** Mappings to the echo upstream on `echoPort`, one of them through the WasmFilter `hello`. */
function config(echoPort: number, wasm: { module: string; failurePolicy?: string }): ReturnType<typeof bundleFromYaml> {
  return bundleFromYaml(`apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: ok}
spec: {prefix: /ok/, service: "http://127.0.0.1:${echoPort}"}
---
apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: {name: hello}
spec:
  module: ${wasm.module}
  failurePolicy: ${wasm.failurePolicy ?? "FailClosed"}
  config: {header: {name: x-hello, value: world}}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: uses}
spec: {prefix: /uses/, service: "http://127.0.0.1:${echoPort}", filters: [{name: hello}]}
`, "wasm.yaml");
}

/** A module in a ConfigMap (the ConfigMap document follows the WasmFilter's). */
function fromConfigMap(echoPort: number, bytes: Buffer): ReturnType<typeof bundleFromYaml> {
  const bundle = config(echoPort, { module: "{configMap: {name: hello-module, key: hello.wasm}}" });
  const cm = bundleFromYaml(`apiVersion: v1
kind: ConfigMap
metadata: {name: hello-module}
binaryData: {hello.wasm: ${bytes.toString("base64")}}
`, "cm.yaml");
  return { ...bundle, resources: [...bundle.resources, ...cm.resources] };
}

async function get(stack: EnvoyStack, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${stack.ports.http}${path}`);
  return { status: res.status, body: await res.text() };
}

const condition = (stack: EnvoyStack, kind: string, name: string, type: string) =>
  stack.statuses().find((s) => s.ref.kind === kind && s.ref.name === name)?.conditions.find((c) => c.type === type);

async function eventually(check: () => Promise<void> | void, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describeWithTools(["envoy"], "Wasm modules and NACKs through real Envoy", () => {
  const env = envoyWithEcho();
  let stack: EnvoyStack;
  beforeAll(async () => {
    stack = env.stack;
    await stack.apply(fromConfigMap(env.echo.port, variant("v1")));
  }, 30_000);

  it("serves the filter from the inline module, with no remote fetch and nothing rejected", async () => {
    const res = await get(stack, "/uses/a");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).headers["x-hello"]).toBe("world");
    expect(stack.nacks).toEqual([]);
    expect(stack.envoy.lines.filter((l) => /remote code fetch|failed to load/.test(l))).toEqual([]);
    expect(condition(stack, "WasmFilter", "hello", "Programmed")).toMatchObject({ status: "True" });
  });

  it("swaps the module under load without failing a request", async () => {
    let stop = false;
    const codes: number[] = [];
    const load = async () => {
      while (!stop) codes.push((await get(stack, "/uses/load")).status);
    };
    const loops = [load(), load(), load(), load()];
    for (const tag of ["v2", "v3", "v1"]) {
      await stack.apply(fromConfigMap(env.echo.port, variant(tag)));
      await new Promise((r) => setTimeout(r, 150));
    }
    stop = true;
    await Promise.all(loops);
    expect(codes.length).toBeGreaterThan(50);
    expect(codes.filter((c) => c !== 200)).toEqual([]);
    expect(stack.nacks).toEqual([]);
  });

  it("a module Envoy cannot load: a real NACK in that WasmFilter's status and diagnostics; Envoy keeps the last good module", async () => {
    await stack.apply(fromConfigMap(env.echo.port, NOT_PROXY_WASM));
    const nack = stack.nacks.at(-1)!;
    expect(nack.typeUrl).toBe("type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig");
    expect(nack.message).toBe("Unable to create Wasm plugin attache.wasm/default/hello");
    await eventually(() => expect(condition(stack, "WasmFilter", "hello", "Programmed")).toMatchObject({
      status: "False", reason: "Rejected", message: expect.stringContaining("Unable to create Wasm plugin attache.wasm/default/hello"),
    }));
    // Only the resource Envoy's message names is blamed.
    expect(condition(stack, "Mapping", "ok", "Programmed")).toMatchObject({ status: "True" });

    const resources = await (await fetch(`${stack.adminUrl}/debug/resources`)).json() as Array<{ ref: { name: string }; errors: string[] }>;
    expect(resources.find((r) => r.ref.name === "hello")!.errors.join("\n")).toContain("Unable to create Wasm plugin attache.wasm/default/hello");
    const clients = await (await fetch(`${stack.adminUrl}/debug/clients`)).json() as Array<{ lastNack?: { message: string } }>;
    expect(clients[0]!.lastNack?.message).toBe("Unable to create Wasm plugin attache.wasm/default/hello");

    const res = await get(stack, "/uses/still");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).headers["x-hello"]).toBe("world");
    expect((await get(stack, "/ok/")).status).toBe(200);
  }, 30_000);

  it("a wrong sha256 or an unreachable module server: not sent, ResolvedRefs=False says why, the last good module keeps serving", async () => {
    await stack.apply(fromConfigMap(env.echo.port, variant("v1")));
    expect((await get(stack, "/uses/")).status).toBe(200);
    const good = `http://127.0.0.1:${stack.moduleServer.port}/modules/${sha256Hex(variant("v1"))}.wasm`;
    const cases = [
      { module: `{url: "${good}", sha256: "${"0".repeat(64)}"}`, reason: `sha256 mismatch: expected ${"0".repeat(64)}, got ${sha256Hex(variant("v1"))}` },
      { module: `{url: "http://127.0.0.1:${await freePort()}/m.wasm", sha256: "${"1".repeat(64)}"}`, reason: "download failed" },
    ];
    for (const { module, reason } of cases) {
      const nacksBefore = stack.nacks.length;
      await stack.apply(config(env.echo.port, { module }));
      expect(condition(stack, "WasmFilter", "hello", "ResolvedRefs")).toMatchObject({ status: "False", reason: "ModuleUnavailable", message: expect.stringContaining(reason) });
      expect(stack.nacks.length).toBe(nacksBefore);
      const res = await get(stack, "/uses/");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).headers["x-hello"]).toBe("world");
    }
  }, 30_000);
});

describeWithTools(["envoy"], "a listener whose first Wasm config Envoy rejects", () => {
  const env = envoyWithEcho();

  it("does not warm forever: other routes serve, the FAIL_CLOSED filter's route answers 503", async () => {
    const { stack, echo } = env;
    await stack.apply(fromConfigMap(echo.port, NOT_PROXY_WASM));
    expect(stack.nacks.map((n) => n.message)).toContain("Unable to create Wasm plugin attache.wasm/default/hello");
    await eventually(async () => expect((await get(stack, "/ok/")).status).toBe(200), 20_000);
    const closed = await get(stack, "/uses/");
    expect(closed).toEqual({ status: 503, body: "fault filter abort" });
    const dump = JSON.parse(await stack.envoy.admin("/config_dump?resource=dynamic_listeners")) as { configs: Array<{ warming_state?: unknown }> };
    expect(dump.configs.filter((l) => l.warming_state)).toEqual([]);
  }, 40_000);
});
