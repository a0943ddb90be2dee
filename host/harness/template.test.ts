// End to end through the harness with the real template filter (release build): the host's
// view of what the filter did, byte for byte. The filter's own behavioural tests live in
// filters/template/template.test.ts; these pin the host side (header map round trip, local
// response, metric, property) and the per-request path the benchmark measures.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HeadersAction } from "../runtime/abi/enums.ts";
import { EmulatorOptions } from "./emulator-options.ts";
import { HostEmulator } from "./emulator.ts";

const TEMPLATE = fileURLToPath(new URL("../../build/filters/template.release.wasm", import.meta.url));
const CONFIG = { header: { name: "x-hello", value: "world" }, require: "x-api-version" };

function start(): HostEmulator {
  const host = new HostEmulator(new EmulatorOptions().withWasm(TEMPLATE).withPluginConfiguration(CONFIG).withProperty("xds.route_name", "default/r"));
  host.startPlugin();
  return host;
}

describe("template filter through the host", () => {
  it("adds the configured header after the request's own headers", () => {
    const host = start();
    const id = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(id, { ":path": "/", "x-api-version": "1" }, true)).toBe(HeadersAction.Continue);
    expect(host.getCurrentRequestHeaders(id)).toEqual([[":path", "/"], ["x-api-version", "1"], ["x-hello", "world"]]);
    expect(host.getSentLocalResponse(id)).toBeUndefined();
    host.completeHttpContext(id);
    expect(host.getFailures()).toEqual([]);
  });

  it("answers 400 through proxy_send_local_response and counts it", () => {
    const host = start();
    const id = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(id, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
    const response = host.getSentLocalResponse(id)!;
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual([["content-type", "application/json"]]);
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({ error: "missing_header", header: "x-api-version" });
    expect(host.getCounterMetric("attache_template_rejected")).toBe(1n);
  });

  it("handles 10 000 requests on one VM without failures or memory growth past a few pages", () => {
    const host = start();
    const before = host.plugin.vm!.linearMemory.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) {
      const id = host.initializeHttpContext();
      host.callOnRequestHeaders(id, { ":path": "/", "x-api-version": "1" }, true);
      host.completeHttpContext(id);
    }
    expect(host.getFailures()).toEqual([]);
    expect(host.plugin.vm!.linearMemory.buffer.byteLength - before).toBeLessThanOrEqual(4 * 65536);
  });
});
