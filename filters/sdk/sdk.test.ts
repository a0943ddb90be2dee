// What a proxy (Envoy) sees of a module built with the SDK: imports limited to proxy-wasm host
// functions Envoy provides (no env.abort / env.seed / WASI), and the exports it looks for.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Host functions of proxy-wasm ABI 0.2.1 (docs/proxy-wasm-abi.md), all in module "env". */
const PROXY_WASM_HOST_FUNCTIONS = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds",
  "proxy_get_property", "proxy_set_property", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
  "proxy_get_buffer_status", "proxy_get_header_map_size", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs",
  "proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value",
  "proxy_remove_header_map_value", "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel",
  "proxy_grpc_close", "proxy_get_status", "proxy_set_shared_data", "proxy_get_shared_data",
  "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue",
  "proxy_dequeue_shared_queue", "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric",
  "proxy_get_metric", "proxy_set_effective_context", "proxy_done", "proxy_call_foreign_function",
]);

/** WASI preview1 functions Envoy provides (docs/proxy-wasm-abi.md "WASI"); anything else fails to link there. */
const ENVOY_WASI_FUNCTIONS = new Set([
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "environ_get", "environ_sizes_get", "args_get",
  "args_sizes_get", "clock_time_get", "random_get", "proc_exit", "path_open", "fd_prestat_get",
  "fd_prestat_dir_name", "sched_yield", "poll_oneoff", "fd_fdstat_set_flags",
]);

function importsEnvoyLacks(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.imports(module)
    .filter((i) => !(i.kind === "function" && (
      (i.module === "env" && PROXY_WASM_HOST_FUNCTIONS.has(i.name)) ||
      (i.module === "wasi_snapshot_preview1" && ENVOY_WASI_FUNCTIONS.has(i.name)))))
    .map((i) => `${i.module}.${i.name}`);
}

const REQUIRED_EXPORTS = [
  "proxy_abi_version_0_2_1", "malloc", "proxy_on_memory_allocate", "_initialize", "memory",
  "proxy_on_context_create", "proxy_on_vm_start", "proxy_validate_configuration", "proxy_on_configure",
  "proxy_on_tick", "proxy_on_queue_ready", "proxy_on_foreign_function",
  "proxy_on_request_headers", "proxy_on_request_body", "proxy_on_request_trailers",
  "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers",
  "proxy_on_http_call_response", "proxy_on_grpc_receive_initial_metadata", "proxy_on_grpc_receive",
  "proxy_on_grpc_receive_trailing_metadata", "proxy_on_grpc_close",
  "proxy_on_log", "proxy_on_done", "proxy_on_delete",
  "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
  "proxy_on_downstream_connection_close", "proxy_on_upstream_connection_close",
];

function load(relativePath: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(join(repoRoot, relativePath)));
}

describe.each(["template.release.wasm", "template.debug.wasm"])("build/filters/%s", (file) => {
  const module = load(join("build", "filters", file));

  it("imports only proxy-wasm host functions from env", () => {
    const imports = WebAssembly.Module.imports(module);
    expect(imports.filter((i) => i.module !== "env").map((i) => `${i.module}.${i.name}`), "no WASI needed").toEqual([]);
    expect(importsEnvoyLacks(module), "imports Envoy does not provide").toEqual([]);
    const names = imports.map((i) => i.name);
    expect(names).not.toContain("abort");
    expect(names).not.toContain("seed");
    expect(names).toContain("proxy_log");
  });

  it("exports the ABI marker, the allocator, _initialize and every callback", () => {
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of REQUIRED_EXPORTS) expect(exports, name).toContain(name);
    expect(exports.filter((name) => name.startsWith("proxy_abi_version_"))).toEqual(["proxy_abi_version_0_2_1"]);
  });
});

describe("codec probe (no SDK exports, only the shared abort route)", () => {
  it("routes abort to proxy_log instead of importing env.abort", () => {
    const names = WebAssembly.Module.imports(load("build/filters/sdk/test/codec_probe.wasm")).map((i) => `${i.module}.${i.name}`);
    expect(names).toEqual(["env.proxy_log"]);
  });
});

describe("every built filter (build/filters/*.release.wasm)", () => {
  const dir = join(repoRoot, "build", "filters");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".release.wasm")) : [];
  it("includes the template", () => {
    expect(files).toContain("template.release.wasm");
  });
  it.each(files)("%s links in Envoy: no env.abort, env.seed or other imports Envoy lacks", (file) => {
    expect(importsEnvoyLacks(load(join("build", "filters", file)))).toEqual([]);
  });
});
