import { describe, expect, it } from "vitest";
import { HeadersAction, WasmResult } from "../abi/enums.ts";
import { encodeHeaderMap } from "../abi/serialization.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("HTTP callouts", () => {
  it("round trip: the module calls out, pauses, gets :status and body from HttpCallResponseBody on its root context, resumes", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "callout" }, true)).toBe(HeadersAction.StopIteration);
    const [callout] = probe.host.getHttpCallouts();
    expect(callout).toMatchObject({
      contextId: id,
      upstream: "auth",
      headers: [[":method", "GET"], [":path", "/check"], [":authority", "auth"]],
      trailers: [],
      timeoutMs: 500,
    });
    expect(new TextDecoder().decode(callout!.body)).toBe("ping");
    probe.host.callOnHttpCallResponse(callout!.token, { ":status": "200", "x-a": "1" }, "allowed", { "grpc-status": "0" });
    // Envoy (cpp-host http_call) owns the call on the root context and answers on its id; the
    // probe makes the calling stream effective again, as the SDKs do.
    expect(probe.host.getLogs("info")).toContain(`http_call_response on context ${probe.host.rootContextId}`);
    expect(probe.host.getCurrentRequestHeaders(id)).toContainEqual(["x-callout", "200 allowed headers=2 trailers=1"]);
    expect(probe.host.getStreamEvents(id)).toEqual([{ event: "continue", streamType: 0 }]);
    expect(probe.host.getHttpCallouts()).toEqual([]);
    expect(() => probe.host.callOnHttpCallResponse(callout!.token, {}, "")).toThrow(/no pending HTTP callout with token/);
  });

  it("proxy_http_call is BadArgument for an unknown upstream or missing :method/:path/:authority", () => {
    const probe = new Probe(probeOptions().withUpstreams(["auth"]));
    const id = probe.host.initializeHttpContext();
    const good = encodeHeaderMap([[":method", "GET"], [":path", "/"], [":authority", "a"]]);
    const call = (upstream: string, headers: Uint8Array) => {
      const [up, ul] = probe.put(upstream);
      const [hp, hl] = probe.put(headers);
      const [token] = probe.slots(1);
      return probe.call("proxy_http_call", id, up, ul, hp, hl, 0, 0, 0, 0, 1000, token);
    };
    expect(call("auth", good)).toBe(WasmResult.Ok);
    expect(call("billing", good)).toBe(WasmResult.BadArgument);
    expect(call("auth", encodeHeaderMap([[":method", "GET"], [":path", "/"]]))).toBe(WasmResult.BadArgument);
    expect(probe.host.getHttpCallouts()).toHaveLength(1);
  });
});

describe("gRPC callouts and proxy_get_status", () => {
  it("records unary and streaming calls, send/cancel/close by token, status after close", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const [up, ul] = probe.put("ext-authz");
    const [sp, sl] = probe.put("envoy.service.auth.v3.Authorization");
    const [mp, ml] = probe.put("Check");
    const [msg, msgl] = probe.put(Uint8Array.of(1, 2, 3));
    const [t1, t2] = probe.slots(2);
    expect(probe.call("proxy_grpc_call", root, up, ul, sp, sl, mp, ml, 0, 0, msg, msgl, 250, t1)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_grpc_stream", root, up, ul, sp, sl, mp, ml, 0, 0, t2)).toBe(WasmResult.Ok);
    const unary = probe.u32(t1);
    const stream = probe.u32(t2);
    expect(probe.call("proxy_grpc_send", root, stream, msg, msgl, 0)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_grpc_send", root, unary, msg, msgl, 0)).toBe(WasmResult.BadArgument);
    expect(probe.call("proxy_grpc_send", root, stream, msg, msgl, 1)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_grpc_send", root, stream, msg, msgl, 0)).toBe(WasmResult.BadArgument); // after end_stream
    expect(probe.host.getGrpcCalls().map((c) => [c.service, c.method, c.streaming, c.messages.length])).toEqual([
      ["envoy.service.auth.v3.Authorization", "Check", false, 1],
      ["envoy.service.auth.v3.Authorization", "Check", true, 2],
    ]);
    expect(probe.call("proxy_grpc_cancel", root, stream)).toBe(WasmResult.Ok);
    expect(probe.call("proxy_grpc_cancel", root, stream)).toBe(WasmResult.NotFound);
    probe.host.callOnGrpcClose(unary, 14, "unavailable");
    const [code, mptr, mlen] = probe.slots(3);
    expect(probe.call("proxy_get_status", root, code, mptr, mlen)).toBe(WasmResult.Ok);
    expect([probe.u32(code), probe.returnedText(mptr, mlen)]).toEqual([14, "unavailable"]);
    expect(probe.call("proxy_grpc_close", root, unary)).toBe(WasmResult.NotFound);
  });
});
