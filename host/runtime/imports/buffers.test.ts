import { beforeEach, describe, expect, it } from "vitest";
import { BufferType, WasmResult } from "../abi/enums.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("buffer host functions (through the ABI probe)", () => {
  let probe: Probe;
  let id: number;
  let rp: number;
  let rl: number;
  const body = () => new TextDecoder().decode(probe.host.getCurrentRequestBody(id));
  beforeEach(() => {
    probe = new Probe(probeOptions().withPluginConfiguration("plugin-config").withVmConfiguration("vm-config"));
    id = probe.host.initializeHttpContext();
    const stream = probe.context(id);
    if (stream.kind === "http") stream.requestBody = new TextEncoder().encode("hello world");
    [rp, rl] = probe.slots(2);
  });

  it("proxy_get_buffer_bytes clamps start/max and returns exact bytes", () => {
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpRequestBody, 6, 100, rp, rl)).toBe(WasmResult.Ok);
    expect(probe.returnedText(rp, rl)).toBe("world");
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpRequestBody, 0, 5, rp, rl)).toBe(WasmResult.Ok);
    expect(probe.returnedText(rp, rl)).toBe("hello");
  });

  it("proxy_get_buffer_bytes gives ptr 0, len 0 for zero bytes and for a body not there (Envoy), NotFound for a call response outside its callback", () => {
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpRequestBody, 11, 5, rp, rl)).toBe(WasmResult.Ok);
    expect([probe.u32(rp), probe.u32(rl)]).toEqual([0, 0]);
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpResponseBody, 0, 5, rp, rl)).toBe(WasmResult.Ok);
    expect([probe.u32(rp), probe.u32(rl)]).toEqual([0, 0]);
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpCallResponseBody, 0, 5, rp, rl)).toBe(WasmResult.NotFound);
  });

  it("proxy_get_buffer_bytes past the end is Ok with nothing (cpp-host: don't overread)", () => {
    probe.put(new Uint8Array(8)); // make sure the slots hold something to overwrite
    new DataView(probe.vm.linearMemory.buffer).setUint32(rp, 77, true);
    expect(probe.call("proxy_get_buffer_bytes", id, BufferType.HttpRequestBody, 12, 5, rp, rl)).toBe(WasmResult.Ok);
    expect([probe.u32(rp), probe.u32(rl)]).toEqual([0, 0]);
  });

  it.each([
    ["prepends with (0, 0)", 0, 0, ">> hello world"],
    ["replaces all with (0, >= length)", 0, 11, ">> "],
    ["replaces the prefix with (0, size < length)", 0, 5, ">>  world"],
    ["appends with start >= length", 11, 0, "hello world>> "],
  ])("proxy_set_buffer_bytes %s", (_name, start, size, expected) => {
    const [p, l] = probe.put(">> ");
    expect(probe.call("proxy_set_buffer_bytes", id, BufferType.HttpRequestBody, start, size, p, l)).toBe(WasmResult.Ok);
    expect(body()).toBe(expected);
  });

  it("proxy_set_buffer_bytes rejects a middle splice and read-only buffers", () => {
    const [p, l] = probe.put("x");
    expect(probe.call("proxy_set_buffer_bytes", id, BufferType.HttpRequestBody, 3, 2, p, l)).toBe(WasmResult.BadArgument);
    expect(body()).toBe("hello world");
    probe.vm.callbackData = { pluginConfiguration: new Uint8Array(3) };
    expect(probe.call("proxy_set_buffer_bytes", id, BufferType.PluginConfiguration, 0, 0, p, l)).toBe(WasmResult.BadArgument);
    probe.vm.callbackData = {};
  });

  it("proxy_get_buffer_status reports the length, NotFound for the plugin configuration outside proxy_on_configure", () => {
    expect(probe.call("proxy_get_buffer_status", id, BufferType.HttpRequestBody, rp, rl)).toBe(WasmResult.Ok);
    expect(probe.u32(rp)).toBe(11);
    expect(probe.call("proxy_get_buffer_status", id, BufferType.VmConfiguration, rp, rl)).toBe(WasmResult.Ok); // any callback, as Envoy
    expect(probe.u32(rp)).toBe("vm-config".length);
    expect(probe.call("proxy_get_buffer_status", id, BufferType.PluginConfiguration, rp, rl)).toBe(WasmResult.NotFound);
  });

  it("configuration buffers reach proxy_on_vm_start and proxy_on_configure", () => {
    expect(probe.host.getLogs("info")).toEqual(["vm_start: vm-config", "configure: plugin-config"]);
  });

  it("CallData is readable during proxy_on_foreign_function", () => {
    probe.host.callOnForeignFunction(7, new TextEncoder().encode("args"));
    expect(probe.host.getLogs("info").at(-1)).toBe("foreign 7: args");
  });

  it("bad pointers are InvalidMemoryAccess", () => {
    expect(probe.call("proxy_get_buffer_bytes", id, 0, 0, 5, 0x7fff_fff0, rl)).toBe(WasmResult.InvalidMemoryAccess);
    expect(probe.call("proxy_set_buffer_bytes", id, 0, 0, 0, 0x7fff_fff0, 4)).toBe(WasmResult.InvalidMemoryAccess);
    expect(probe.call("proxy_get_buffer_status", id, 0, 0x7fff_fff0, rl)).toBe(WasmResult.InvalidMemoryAccess);
  });
});
