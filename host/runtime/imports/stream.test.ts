import { describe, expect, it } from "vitest";
import { HeadersAction, StreamType, WasmResult } from "../abi/enums.ts";
import { encodeHeaderMap } from "../abi/serialization.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("stream and context control host functions", () => {
  it("proxy_send_local_response records the response and forces the callback's Continue into a stop", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "local" }, true)).toBe(HeadersAction.StopIteration);
    const response = probe.host.getSentLocalResponse(id)!;
    expect(response).toMatchObject({ statusCode: 403, details: "probe_denied", headers: [["x-probe-reason", "test"]], grpcStatus: -1 });
    expect(new TextDecoder().decode(response.body)).toBe("denied");
  });

  it("proxy_send_local_response is Ok on any context and status, as Envoy's; only a stream gets a reply", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    const [hp, hl] = probe.put(encodeHeaderMap([]));
    expect(probe.call("proxy_send_local_response", probe.host.rootContextId, 403, 0, 0, 0, 0, hp, hl, -1)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_send_local_response", id, 42, 0, 0, 0, 0, hp, hl, -1)).toBe(WasmResult.Ok);
    expect(probe.host.getSentLocalResponse(id)?.statusCode).toBe(42);
    expect(probe.call("proxy_send_local_response", id, 403, 0x7fff_fff0, 9, 0, 0, hp, hl, -1)).toBe(WasmResult.InvalidMemoryAccess);
  });

  it("a local reply from proxy_on_request_headers passes through the module's own proxy_on_response_headers", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, { "x-probe": "local" }, true);
    expect(probe.host.getSentLocalResponse(id)?.encoded?.headers).toEqual([
      [":status", "403"], ["x-probe-reason", "test"], ["content-length", "6"], ["content-type", "text/plain"], ["x-probe-response", "1"],
    ]);
  });

  it("proxy_continue_stream / proxy_close_stream are recorded for HTTP stream types, with Envoy's statuses", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.call("proxy_continue_stream", id, StreamType.HttpRequest)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_close_stream", id, StreamType.HttpResponse)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_continue_stream", id, StreamType.Downstream)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_continue_stream", id, StreamType.Upstream)).toBe(WasmResult.Unimplemented);
    expect(probe.call("proxy_close_stream", id, StreamType.Upstream)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_continue_stream", id, 4)).toBe(WasmResult.BadArgument);
    expect(probe.call("proxy_continue_stream", probe.host.rootContextId, StreamType.HttpRequest)).toBe(WasmResult.Ok);
    expect(probe.host.getStreamEvents(id)).toEqual([{ event: "continue", streamType: 0 }, { event: "close", streamType: 1 }]);
  });

  it("after proxy_continue_stream the request headers are gone for the module (BadArgument)", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, { "x-probe": "callout" }, true); // stops: the map stays
    const [kp, kl] = probe.put("x-late");
    const stream = probe.context(id);
    const ex = probe.vm.exports as Record<string, Function>;
    probe.vm.invoke("test", stream, () => {
      expect(ex.call_proxy_add_header_map_value!(0, kp, kl, kp, kl)).toBe(WasmResult.Ok);
      expect(ex.call_proxy_continue_stream!(StreamType.HttpRequest)).toBe(WasmResult.Ok);
      expect(ex.call_proxy_add_header_map_value!(0, kp, kl, kp, kl)).toBe(WasmResult.BadArgument);
    });
  });

  it("proxy_set_effective_context redirects later host calls; unknown ids are BadArgument", () => {
    const probe = new Probe();
    const a = probe.host.initializeHttpContext();
    const b = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(a, { "x-probe": "callout" }, true); // both stop: their maps stay
    probe.host.callOnRequestHeaders(b, { "x-probe": "callout" }, true);
    const [kp, kl] = probe.put("x-target");
    probe.vm.invoke("test", probe.context(a), () => {
      const ex = probe.vm.exports as Record<string, Function>;
      expect(ex.call_proxy_set_effective_context!(b)).toBe(WasmResult.Ok);
      expect(ex.call_proxy_add_header_map_value!(0, kp, kl, kp, kl)).toBe(WasmResult.Ok);
      expect(ex.call_proxy_set_effective_context!(999)).toBe(WasmResult.BadArgument);
    });
    expect(probe.host.getCurrentRequestHeaders(b)).toContainEqual(["x-target", "x-target"]);
    expect(probe.host.getCurrentRequestHeaders(a)).not.toContainEqual(["x-target", "x-target"]);
  });

  it("proxy_done is Ok only while a proxy_on_done answer of false is pending", () => {
    const probe = new Probe();
    const root = probe.context(probe.host.rootContextId);
    expect(probe.call("proxy_done", root.id)).toBe(WasmResult.NotFound);
    root.donePending = true;
    expect(probe.call("proxy_done", root.id)).toBe(WasmResult.Ok);
    expect(root.donePending).toBe(false);
  });

  it("proxy_call_foreign_function runs an embedder function; unknown names are NotFound", () => {
    const probe = new Probe(probeOptions().withForeignFunction("reverse", (args) => args.slice().reverse()));
    const [np, nl] = probe.put("reverse");
    const [ap, al] = probe.put("abc");
    const [rp, rl] = probe.slots(2);
    expect(probe.call("proxy_call_foreign_function", probe.host.rootContextId, np, nl, ap, al, rp, rl)).toBe(WasmResult.Ok);
    expect(probe.returnedText(rp, rl)).toBe("cba");
    const [xp, xl] = probe.put("clear_route_cache?");
    expect(probe.call("proxy_call_foreign_function", probe.host.rootContextId, xp, xl, ap, al, rp, rl)).toBe(WasmResult.NotFound);
  });

  it("ABI 0.1.0 leftovers work: get_configuration, continue_request/response, clear_route_cache", () => {
    const probe = new Probe(probeOptions().withPluginConfiguration("cfg"));
    const id = probe.host.initializeHttpContext();
    const [rp, rl] = probe.slots(2);
    expect(probe.call("proxy_get_configuration", id, rp, rl)).toBe(WasmResult.NotFound);
    probe.vm.callbackData = { pluginConfiguration: new TextEncoder().encode("cfg") };
    expect(probe.call("proxy_get_configuration", id, rp, rl)).toBe(WasmResult.Ok);
    probe.vm.callbackData = {};
    expect(probe.returnedText(rp, rl)).toBe("cfg");
    expect(probe.call("proxy_continue_request", id)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_continue_response", id)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_clear_route_cache", id)).toBe(WasmResult.Ok);
    // Emscripten (C++ SDK) modules import this; like cpp-host it is a no-op.
    expect(probe.call("emscripten_notify_memory_growth", id, 0)).toBe(0);
    expect([probe.call("pthread_equal", id, 7, 7), probe.call("pthread_equal", id, 7, 8)]).toEqual([1, 0]);
    expect(probe.host.getStreamEvents(id)).toEqual([{ event: "continue", streamType: 0 }, { event: "continue", streamType: 1 }]);
  });
});
