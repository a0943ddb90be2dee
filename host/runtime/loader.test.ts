import { describe, expect, it } from "vitest";
import { compileProxyWasm, ModuleLoadError } from "./loader.ts";
import { ProxyWasmVm } from "./vm.ts";
import { providedEnvFunctionNames, providedWasiFunctionNames } from "./imports/index.ts";
import { probeModule } from "../testdata/probe.ts";
import { tinyModule } from "../testdata/tiny-module.ts";

const mem32 = (vm: ProxyWasmVm, offset: number) => new DataView(vm.linearMemory.buffer).getUint32(offset, true);

describe("loading a module", () => {
  it("fails with a message naming every import the host does not provide", () => {
    const load = () => compileProxyWasm(tinyModule({ imports: [["env", "proxy_log"], ["env", "proxy_make_coffee"], ["env", "abort"], ["custom", "fn"]] }), "tiny.wasm");
    expect(load).toThrowError(ModuleLoadError);
    expect(load).toThrowError(
      "tiny.wasm: module imports env.proxy_make_coffee, which this proxy-wasm host does not provide; imports env.abort, which this proxy-wasm host does not provide; " +
        "imports custom.fn, which this proxy-wasm host does not provide",
    );
  });

  it("serves its WASI functions under both WASI module names, checks their types, and links any other WASI function as Envoy 1.40 does (ENOSYS)", () => {
    const compiled = compileProxyWasm(tinyModule({ imports: [["wasi_snapshot_preview1", "fd_write"], ["wasi_unstable", "fd_write"], ["wasi_unstable", "fd_renumber", "ii", "i"], ["env", "proxy_done"]] }));
    expect(() => ProxyWasmVm.create(compiled)).not.toThrow();
    expect(() => compileProxyWasm(tinyModule({ imports: [["wasi_snapshot_preview1", "fd_write", "ii", "i"]] }), "w.wasm")).toThrowError(
      "w.wasm: module imports wasi_snapshot_preview1.fd_write as (i32, i32) -> (i32), but the host function is (i32, i32, i32, i32) -> (i32)",
    );
  });

  it.each([
    ["0.2.0 importing proxy_get_log_level", "proxy_abi_version_0_2_0", "proxy_get_log_level"],
    ["0.2.1 importing proxy_get_configuration", "proxy_abi_version_0_2_1", "proxy_get_configuration"],
    ["0.2.1 importing proxy_continue_request", "proxy_abi_version_0_2_1", "proxy_continue_request"],
    ["0.1.0 importing proxy_continue_stream", "proxy_abi_version_0_1_0", "proxy_continue_stream"],
  ])("gates imports by ABI version as cpp-host registers them: refuses %s", (_name, marker, fn) => {
    expect(() => compileProxyWasm(tinyModule({ marker, imports: [["env", fn]] }), "abi.wasm")).toThrowError(
      new RegExp(`abi.wasm: module imports env\\.${fn}, which this proxy-wasm host does not provide \\(not registered for ABI`),
    );
  });

  it("refuses an import whose type differs from the host function's, naming both", () => {
    expect(() => compileProxyWasm(tinyModule({ imports: [["env", "proxy_increment_metric", "ii", "i"]] }), "t.wasm")).toThrowError(
      "t.wasm: module imports env.proxy_increment_metric as (i32, i32) -> (i32), but the host function is (i32, i64) -> (i32)",
    );
  });

  it("refuses a callback export with the wrong arity (a 0.1.0-shaped proxy_on_request_headers in a 0.2.1 module)", () => {
    expect(() => compileProxyWasm(tinyModule({ callbacks: [["proxy_on_request_headers", "ii", "i"]] }), "c.wasm")).toThrowError(
      "c.wasm: module exports proxy_on_request_headers as (i32, i32) -> (i32), but the host calls it as (i32, i32, i32) -> (i32)",
    );
    expect(() => compileProxyWasm(tinyModule({ marker: "proxy_abi_version_0_1_0", callbacks: [["proxy_on_request_headers", "ii", "i"]] }))).not.toThrow();
  });

  it("caps memory as V8 does in Envoy (1 GiB): refuses a larger initial memory, lowers the maximum", () => {
    expect(() => compileProxyWasm(tinyModule({ memory: { initial: 65536 } }), "big.wasm")).toThrowError(
      "big.wasm: declares 65536 pages of initial memory, over the cap of 16384 pages (1073741824 bytes)",
    );
    const vm = ProxyWasmVm.create(compileProxyWasm(tinyModule({ memory: { initial: 1 } })));
    const grow = vm.exports.grow as (pages: number) => number;
    expect(grow(16384)).toBe(-1);
    expect(grow(10)).toBe(1);
  });

  it.each([
    ["proxy_abi_version_0_2_0", "0.2.0"],
    ["proxy_abi_version_0_2_1", "0.2.1"],
    ["proxy_abi_version_0_1_0", "0.1.0"],
  ])("detects the ABI version from the marker %s", (marker, version) => {
    expect(compileProxyWasm(tinyModule({ marker })).abiVersion).toBe(version);
  });

  it("rejects a module without an ABI marker, a non-module, and one without allocator", () => {
    expect(() => compileProxyWasm(tinyModule({ marker: null }), "x.wasm")).toThrowError(/x.wasm: no proxy-wasm ABI marker export/);
    expect(() => compileProxyWasm(new Uint8Array([1, 2, 3]), "junk.wasm")).toThrowError(/junk.wasm: not a valid WebAssembly module/);
    expect(() => compileProxyWasm(tinyModule({ allocators: [] }), "y.wasm")).toThrowError(/y.wasm: exports neither malloc nor proxy_on_memory_allocate/);
  });

  it("prefers malloc over proxy_on_memory_allocate, and uses the latter when alone", () => {
    const both = ProxyWasmVm.create(compileProxyWasm(tinyModule({ allocators: ["malloc", "proxy_on_memory_allocate"] })));
    both.memory.returnBytes(Uint8Array.of(1, 2), 64, 68);
    expect([mem32(both, 16), mem32(both, 20), mem32(both, 64)]).toEqual([1, 0, 1024]);
    const only = ProxyWasmVm.create(compileProxyWasm(tinyModule({ allocators: ["proxy_on_memory_allocate"] })));
    only.memory.returnBytes(Uint8Array.of(1, 2), 64, 68);
    expect([mem32(only, 16), mem32(only, 64)]).toEqual([1, 1024]);
  });

  it.each([
    ["_initialize then main", ["_initialize", "main"] as const, 12],
    ["_start alone", ["_start"] as const, 3],
    ["_initialize (not _start) when both exist", ["_initialize", "_start"] as const, 1],
  ])("runs %s at start", (_name, entry, expected) => {
    const vm = ProxyWasmVm.create(compileProxyWasm(tinyModule({ entry: [...entry] })));
    expect(mem32(vm, 0)).toBe(expected);
  });

  it("gives a module that imports its memory one of the declared size, capped at maxMemoryBytes", () => {
    const compiled = compileProxyWasm(tinyModule({ importMemory: { initial: 3 } }));
    expect(compiled.importedMemory).toEqual({ initial: 3, maximum: 65536 });
    const vm = ProxyWasmVm.create(compiled, { maxMemoryBytes: 8 * 1024 * 1024 });
    const grow = vm.exports.grow as (pages: number) => number;
    expect(vm.linearMemory.buffer.byteLength).toBe(3 * 65536);
    expect(grow(200)).toBe(-1); // past 128 pages = 8 MiB
    expect(grow(10)).toBe(3);
  });

  it("provides every env function the ABI probe imports, and the probe imports every one we provide", () => {
    const probeImports = WebAssembly.Module.imports(probeModule().module).filter((i) => i.module === "env").map((i) => i.name);
    expect([...new Set(probeImports)].sort()).toEqual(providedEnvFunctionNames());
  });

  it("the ABI probe imports every WASI function the host implements", () => {
    const probeWasi = WebAssembly.Module.imports(probeModule().module).filter((i) => i.module.startsWith("wasi")).map((i) => i.name);
    expect([...new Set(probeWasi)].sort()).toEqual(providedWasiFunctionNames());
  });
});
