// Load-time conformance: modules that differ from a valid one in one respect — an import not
// registered for their ABI version, an import or callback of the wrong type, too much initial
// memory, a WASI function the host does not serve — are given to real Envoy 1.40 (a bootstrap
// with the module as its only Wasm filter: a refused module stops Envoy at start) and to
// host/ (compile + instantiate). Both must accept or both refuse.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { compileProxyWasm, ProxyWasmVm } from "../../host/index.ts";
import { tinyModule, type TinyModuleSpec } from "../../host/testdata/tiny-module.ts";
import { describeWithTools } from "../tools.ts";
import { EnvoySide, wasmBootstrap } from "./envoy-side.ts";
import { plugin } from "./plugin.ts";

const dir = mkdtempSync(join(tmpdir(), "attache-loading-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function envoyAccepts(path: string): Promise<boolean> {
  try {
    const envoy = await EnvoySide.start(wasmBootstrap(plugin(path), 1));
    await envoy.stop();
    return true;
  } catch (error) {
    if (/Unable to create Wasm plugin/.test(String(error))) return false;
    throw error;
  }
}

function hostAccepts(bytes: Uint8Array): boolean {
  try {
    ProxyWasmVm.create(compileProxyWasm(bytes)).dispose();
    return true;
  } catch {
    return false;
  }
}

const CASES: Array<[string, TinyModuleSpec, boolean]> = [
  ["a valid 0.2.1 module", {}, true],
  ["0.2.0 importing proxy_get_log_level (0.2.1 only)", { marker: "proxy_abi_version_0_2_0", imports: [["env", "proxy_get_log_level"]] }, false],
  ["0.2.1 importing proxy_get_configuration (0.1.0 only)", { imports: [["env", "proxy_get_configuration"]] }, false],
  ["0.2.1 importing proxy_continue_request (0.1.0 only)", { imports: [["env", "proxy_continue_request"]] }, false],
  ["0.1.0 importing proxy_continue_request", { marker: "proxy_abi_version_0_1_0", imports: [["env", "proxy_continue_request"]] }, true],
  ["an env import of the wrong type", { imports: [["env", "proxy_increment_metric", "ii", "i"]] }, false],
  ["a WASI import of the wrong type", { imports: [["wasi_snapshot_preview1", "fd_write", "ii", "i"]] }, false],
  ["proxy_on_request_headers with the 0.1.0 arity", { callbacks: [["proxy_on_request_headers", "ii", "i"]] }, false],
  ["an unknown env function", { imports: [["env", "proxy_make_coffee", "", "i"]] }, false],
  ["WASI functions beyond the served set (fd_renumber)", { imports: [["wasi_snapshot_preview1", "fd_renumber", "ii", "i"]] }, true],
  ["pthread_equal and emscripten_notify_memory_growth", { imports: [["env", "pthread_equal"], ["env", "emscripten_notify_memory_growth"]] }, true],
  ["20000 pages of initial memory (over V8's 1 GiB in Envoy)", { memory: { initial: 20000 } }, false],
];

describeWithTools(["envoy"], "host/ accepts and refuses the modules Envoy 1.40 accepts and refuses", () => {
  it.each(CASES)("%s", async (name, spec, accepted) => {
    const bytes = tinyModule({ entry: ["_initialize"], ...spec });
    const path = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.wasm`);
    writeFileSync(path, bytes);
    expect(await envoyAccepts(path)).toBe(accepted);
    expect(hostAccepts(bytes)).toBe(accepted);
  });
});
