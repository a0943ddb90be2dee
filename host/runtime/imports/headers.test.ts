import { beforeEach, describe, expect, it } from "vitest";
import { MapType, WasmResult } from "../abi/enums.ts";
import { encodeHeaderMap } from "../abi/serialization.ts";
import { Probe } from "../../testdata/probe.ts";

const BAD_PTR = 0x7fff_fff0;

describe("header map host functions (through the ABI probe)", () => {
  let probe: Probe;
  let id: number;
  let rp: number;
  let rl: number;
  beforeEach(() => {
    probe = new Probe();
    id = probe.host.initializeHttpContext();
    const stream = probe.context(id);
    if (stream.kind !== "http") throw new Error("expected a stream");
    stream.requestHeaders = [[":path", "/a"], ["b", "22"], ["b", "second"]];
    [rp, rl] = probe.slots(2);
  });

  it("proxy_get_header_map_pairs writes the exact serialized bytes through malloc", () => {
    const before = (probe.vm.exports.malloc_calls as () => number)();
    expect(probe.call("proxy_get_header_map_pairs", id, MapType.HttpRequestHeaders, rp, rl)).toBe(WasmResult.Ok);
    expect(Buffer.from(probe.returned(rp, rl))).toEqual(Buffer.from(encodeHeaderMap([[":path", "/a"], ["b", "22"], ["b", "second"]])));
    expect((probe.vm.exports.malloc_calls as () => number)()).toBe(before + 1);
  });

  it("proxy_get_header_map_pairs answers Ok with ptr 0, len 0 for a map the context lacks", () => {
    probe.put(new Uint8Array(0));
    expect(probe.call("proxy_get_header_map_pairs", id, MapType.HttpResponseHeaders, rp, rl)).toBe(WasmResult.Ok);
    expect([probe.u32(rp), probe.u32(rl)]).toEqual([0, 0]);
  });

  it("proxy_get_header_map_size gives the serialized size, BadArgument for an absent map", () => {
    expect(probe.call("proxy_get_header_map_size", id, MapType.HttpRequestHeaders, rp)).toBe(WasmResult.Ok);
    expect(probe.u32(rp)).toBe(encodeHeaderMap([[":path", "/a"], ["b", "22"], ["b", "second"]]).length);
    expect(probe.call("proxy_get_header_map_size", id, MapType.HttpCallResponseHeaders, rp)).toBe(WasmResult.BadArgument);
  });

  it("proxy_get_header_map_value returns the first value, case-insensitively, NotFound when missing", () => {
    const [kp, kl] = probe.put("B");
    expect(probe.call("proxy_get_header_map_value", id, MapType.HttpRequestHeaders, kp, kl, rp, rl)).toBe(WasmResult.Ok);
    expect(probe.returnedText(rp, rl)).toBe("22");
    const [mp, ml] = probe.put("missing");
    expect(probe.call("proxy_get_header_map_value", id, MapType.HttpRequestHeaders, mp, ml, rp, rl)).toBe(WasmResult.NotFound);
  });

  it("proxy_add_header_map_value appends, lower-casing the key", () => {
    const [kp, kl] = probe.put("X-New");
    const [vp, vl] = probe.put("v");
    expect(probe.call("proxy_add_header_map_value", id, MapType.HttpRequestHeaders, kp, kl, vp, vl)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id).at(-1)).toEqual(["x-new", "v"]);
  });

  it("proxy_replace_header_map_value replaces every value of the key with one, or adds it", () => {
    const [kp, kl] = probe.put("b");
    const [vp, vl] = probe.put("only");
    expect(probe.call("proxy_replace_header_map_value", id, MapType.HttpRequestHeaders, kp, kl, vp, vl)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual([[":path", "/a"], ["b", "only"]]);
    const [np, nl] = probe.put("c");
    expect(probe.call("proxy_replace_header_map_value", id, MapType.HttpRequestHeaders, np, nl, vp, vl)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual([[":path", "/a"], ["b", "only"], ["c", "only"]]);
  });

  it("proxy_remove_header_map_value removes all values and is Ok when absent", () => {
    const [kp, kl] = probe.put("b");
    expect(probe.call("proxy_remove_header_map_value", id, MapType.HttpRequestHeaders, kp, kl)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual([[":path", "/a"]]);
    expect(probe.call("proxy_remove_header_map_value", id, MapType.HttpRequestHeaders, kp, kl)).toBe(WasmResult.Ok);
  });

  it.each([
    ["zero bytes", new Uint8Array(0)],
    ["a single NUL", Uint8Array.of(0)],
    ["a zero count", Uint8Array.of(0, 0, 0, 0)],
    ["two pairs", encodeHeaderMap([["X-A", "1"], ["x-b", "2"]])],
  ])("proxy_set_header_map_pairs replaces the map from %s", (_name, bytes) => {
    const [p, l] = probe.put(bytes);
    expect(probe.call("proxy_set_header_map_pairs", id, MapType.HttpRequestHeaders, p, bytes.length === 0 ? 0 : l)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual(bytes.length > 4 ? [["x-a", "1"], ["x-b", "2"]] : []);
  });

  it("proxy_set_header_map_pairs takes a map that does not decode as empty (cpp-host PairsUtil::toPairs)", () => {
    const [p] = probe.put(Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0));
    expect(probe.call("proxy_set_header_map_pairs", id, MapType.HttpRequestHeaders, p, 8)).toBe(WasmResult.Ok);
    expect(probe.host.getCurrentRequestHeaders(id)).toEqual([]);
  });

  it("a stream's headers are BadArgument once its callback continued, and read-only in proxy_on_log", () => {
    const [kp, kl] = probe.put("b");
    const stream = probe.context(id);
    const ex = probe.vm.exports as Record<string, Function>;
    probe.vm.invoke("later", stream, () => {
      expect(ex.call_proxy_get_header_map_value!(MapType.HttpRequestHeaders, kp, kl, rp, rl)).toBe(WasmResult.BadArgument);
    });
    if (stream.kind !== "http") throw new Error("stream expected");
    stream.accessLogPhase = true;
    probe.vm.invoke("log", stream, () => {
      expect(ex.call_proxy_get_header_map_value!(MapType.HttpRequestHeaders, kp, kl, rp, rl)).toBe(WasmResult.Ok);
      expect(ex.call_proxy_add_header_map_value!(MapType.HttpRequestHeaders, kp, kl, kp, kl)).toBe(WasmResult.BadArgument);
    });
  });

  it("read-only and unknown maps are BadArgument for writes", () => {
    const [kp, kl] = probe.put("k");
    expect(probe.call("proxy_add_header_map_value", id, MapType.HttpCallResponseHeaders, kp, kl, kp, kl)).toBe(WasmResult.BadArgument);
    expect(probe.call("proxy_add_header_map_value", id, 42, kp, kl, kp, kl)).toBe(WasmResult.BadArgument);
  });

  it.each([
    ["get_header_map_value key", () => probe.call("proxy_get_header_map_value", id, 0, BAD_PTR, 64, rp, rl)],
    ["get_header_map_value result slot", () => { const [kp, kl] = probe.put("b"); return probe.call("proxy_get_header_map_value", id, 0, kp, kl, BAD_PTR, rl); }],
    ["get_header_map_pairs result slot", () => probe.call("proxy_get_header_map_pairs", id, 0, rp, BAD_PTR)],
    ["set_header_map_pairs input", () => probe.call("proxy_set_header_map_pairs", id, 0, BAD_PTR, 100)],
    ["add_header_map_value value", () => { const [kp, kl] = probe.put("b"); return probe.call("proxy_add_header_map_value", id, 0, kp, kl, BAD_PTR, 100); }],
    ["remove_header_map_value key", () => probe.call("proxy_remove_header_map_value", id, 0, BAD_PTR, 100)],
    ["get_header_map_size slot", () => probe.call("proxy_get_header_map_size", id, 0, BAD_PTR)],
  ])("a bad pointer in %s is InvalidMemoryAccess, not a crash", (_name, run) => {
    expect(run()).toBe(WasmResult.InvalidMemoryAccess);
    expect(probe.vm.failure).toBeNull();
  });
});
