import { afterEach, describe, expect, it } from "vitest";
import { HeadersAction } from "../runtime/abi/enums.ts";
import { IsolatedPlugin } from "./isolated.ts";
import { PROBE_WASM } from "../testdata/probe.ts";

describe("isolated mode (VM in a worker thread under a watchdog)", () => {
  let plugin: IsolatedPlugin | undefined;
  afterEach(async () => {
    await plugin?.dispose();
  });

  it("runs callbacks in the worker and forwards logs", async () => {
    plugin = new IsolatedPlugin({ wasmPath: PROBE_WASM, anyAbiImports: true, pluginConfiguration: "isolated", callBudgetMs: 5000 });
    await plugin.start();
    const id = await plugin.call("initializeHttpContext");
    expect(await plugin.call("callOnRequestHeaders", id, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
    expect(await plugin.call("getCurrentRequestHeaders", id)).toContainEqual(["x-probe-seen", "1"]);
    expect(plugin.logs.map((l) => l.message)).toContain("configure: isolated");
    await plugin.call("completeHttpContext", id);
    await expect(plugin.call("getCurrentRequestHeaders", id)).rejects.toThrow(`no HTTP context ${id}`);
  });

  it("reports a trap in the worker with its source line and applies fail closed", async () => {
    plugin = new IsolatedPlugin({ wasmPath: PROBE_WASM, anyAbiImports: true, callBudgetMs: 5000 });
    const id = await plugin.call("initializeHttpContext");
    expect(await plugin.call("callOnRequestHeaders", id, { "x-probe": "trap" }, true)).toBe(HeadersAction.StopIteration);
    expect((await plugin.call("getSentLocalResponse", id))?.statusCode).toBe(503);
    expect(plugin.failures).toHaveLength(1);
    expect(plugin.failures[0]).toMatchObject({ kind: "trap", callback: "proxy_on_request_headers", location: { source: "host/testdata/abi-probe.wasm.ts" } });
  });

  it("stops a runaway loop: the call fails with a timeout, the worker is replaced on next use", async () => {
    plugin = new IsolatedPlugin({ wasmPath: PROBE_WASM, anyAbiImports: true, callBudgetMs: 1500 });
    await plugin.start();
    const id = await plugin.call("initializeHttpContext");
    const started = Date.now();
    await expect(plugin.call("callOnRequestHeaders", id, { "x-probe": "loop" }, true)).rejects.toThrow(
      /callOnRequestHeaders: timeout: no answer within 1500 ms; worker terminated/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(plugin.failures.map((f) => f.kind)).toContain("timeout");
    const fresh = await plugin.call("initializeHttpContext");
    expect(plugin.generation).toBe(2);
    expect(await plugin.call("callOnRequestHeaders", fresh, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
  }, 20_000);
});
