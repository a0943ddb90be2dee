import { describe, expect, it } from "vitest";
import { DataAction, HeadersAction } from "../runtime/abi/enums.ts";
import { EmulatorOptions } from "./emulator-options.ts";
import { HostEmulator } from "./emulator.ts";
import { Probe, probeOptions } from "../testdata/probe.ts";

const lastCreate = (probe: Probe) => (probe.vm.exports.last_context_create as () => number)();
const deleted = (probe: Probe) => (probe.vm.exports.deleted_contexts as () => number)();

describe("HostEmulator lifecycle (against the ABI probe)", () => {
  it("creates the root context as id 1 (parent 0), streams from the same counter, never reusing ids", () => {
    const probe = new Probe();
    expect(probe.host.rootContextId).toBe(1);
    const a = probe.host.initializeHttpContext();
    expect(lastCreate(probe)).toBe(2 * 1000 + 1);
    probe.host.completeHttpContext(a);
    const b = probe.host.initializeHttpContext();
    expect([a, b]).toEqual([2, 3]);
  });

  it("runs proxy_on_log, proxy_on_done and proxy_on_delete on completion, once", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, { ":path": "/" }, true);
    probe.host.completeHttpContext(id);
    expect(probe.host.getLogs("info").at(-1)).toBe(`on_log ${id}`);
    expect(deleted(probe)).toBe(1);
    expect(() => probe.host.callOnResponseHeaders(id, {}, true)).toThrow(/already complete/);
  });

  it("forgets a completed stream on request, and refuses to forget a live one", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(() => probe.host.forgetHttpContext(id)).toThrow(`HTTP context ${id} is not complete yet`);
    probe.host.completeHttpContext(id);
    probe.host.forgetHttpContext(id);
    expect(() => probe.host.getCurrentRequestHeaders(id)).toThrow(`no HTTP context ${id}`);
  });

  it("passes num_headers and lower-cases header names on the way in", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, [[":path", "/"], ["X-Upper", "1"], ["x-two", "2"]], false)).toBe(HeadersAction.Continue);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual([[":path", "/"], ["x-upper", "1"], ["x-two", "2"], ["x-probe-seen", "3"]]);
  });

  it("edits the caller's header lists in place when handed over (inPlace), and only a copy otherwise", () => {
    const probe = new Probe();
    const dispatcher = probe.host.plugin.dispatcher!;
    const id = probe.host.initializeHttpContext();
    const stream = probe.context(id);
    if (stream.kind !== "http") throw new Error("expected an HTTP stream");
    const request: Array<[string, string]> = [[":path", "/"], ["x-one", "1"]];
    expect(dispatcher.requestHeaders(stream, request, true, true)).toBe(HeadersAction.Continue);
    expect(request).toEqual([[":path", "/"], ["x-one", "1"], ["x-probe-seen", "2"]]);
    const response: Array<[string, string]> = [[":status", "200"]];
    dispatcher.responseHeaders(stream, response, false);
    expect(response).toEqual([[":status", "200"]]);
    expect(probe.host.getCurrentResponseHeaders(id)).toEqual([[":status", "200"], ["x-probe-response", "1"]]);
  });

  it("accumulates the request body while the module answers StopIterationAndBuffer", () => {
    const probe = new Probe(probeOptions().withLogLevel("debug"));
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestBody(id, "abc", false)).toBe(DataAction.StopIterationAndBuffer);
    expect(probe.host.callOnRequestBody(id, "def", true)).toBe(DataAction.Continue);
    expect(probe.host.getLogs("debug")).toEqual(["request body 3: abc", "request body 6: abcdef"]);
  });

  it("runs the response path: response headers are modifiable", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, {}, true);
    expect(probe.host.callOnResponseHeaders(id, { ":status": "200" }, false)).toBe(HeadersAction.Continue);
    expect(probe.host.getCurrentResponseHeaders(id)).toEqual([[":status", "200"], ["x-probe-response", "1"]]);
    expect(probe.host.callOnResponseBody(id, "ok", true)).toBe(DataAction.Continue);
    expect(new TextDecoder().decode(probe.host.getCurrentResponseBody(id))).toBe("ok");
  });

  it("rejects unknown context ids and a missing module with clear messages", () => {
    const probe = new Probe();
    expect(() => probe.host.callOnRequestHeaders(42, {}, true)).toThrow("HostEmulator: no HTTP context 42 (initializeHttpContext() creates one)");
    expect(() => new HostEmulator(new EmulatorOptions())).toThrow("HostEmulator: options.withWasm(<path or compiled module>) is required");
  });
});
