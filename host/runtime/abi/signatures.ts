// The exact WebAssembly signatures Envoy links and calls (proxy-wasm-cpp-host src/wasm.cc
// registerCallbacks / getFunctions, src/exports.h): cpp-host refuses a module whose import has
// another type than the host function ("import type mismatch"), that imports a function its
// ABI version does not register, or whose callback export has another type ("Bad function
// signature"). Types are written as wasm value-type letters: `i` i32, `I` i64; results as
// one letter or "" for none. Every proxy-wasm value is an i32 on wasm32 except the i64 of
// metric deltas and WASI offsets/timestamps.
import type { AbiVersion } from "./enums.ts";

export interface Signature {
  params: string;
  results: string;
}

const sig = (params: string, results = "i"): Signature => ({ params, results });

/** `env` functions every ABI version gets (cpp-host registers these unconditionally). */
const ENV_ALWAYS: Record<string, Signature> = {
  proxy_log: sig("iii"),
  proxy_get_status: sig("iii"),
  proxy_set_property: sig("iiii"),
  proxy_get_property: sig("iiii"),
  proxy_send_local_response: sig("iiiiiiii"),
  proxy_get_shared_data: sig("iiiii"),
  proxy_set_shared_data: sig("iiiii"),
  proxy_register_shared_queue: sig("iii"),
  proxy_resolve_shared_queue: sig("iiiii"),
  proxy_dequeue_shared_queue: sig("iii"),
  proxy_enqueue_shared_queue: sig("iii"),
  proxy_get_header_map_value: sig("iiiii"),
  proxy_add_header_map_value: sig("iiiii"),
  proxy_replace_header_map_value: sig("iiiii"),
  proxy_remove_header_map_value: sig("iii"),
  proxy_get_header_map_pairs: sig("iii"),
  proxy_set_header_map_pairs: sig("iii"),
  proxy_get_header_map_size: sig("ii"),
  proxy_get_buffer_status: sig("iii"),
  proxy_get_buffer_bytes: sig("iiiii"),
  proxy_set_buffer_bytes: sig("iiiii"),
  proxy_http_call: sig("iiiiiiiiii"),
  proxy_grpc_call: sig("iiiiiiiiiiii"),
  proxy_grpc_stream: sig("iiiiiiiii"),
  proxy_grpc_close: sig("i"),
  proxy_grpc_cancel: sig("i"),
  proxy_grpc_send: sig("iiii"),
  proxy_set_tick_period_milliseconds: sig("i"),
  proxy_get_current_time_nanoseconds: sig("i"),
  proxy_define_metric: sig("iiii"),
  proxy_increment_metric: sig("iI"),
  proxy_record_metric: sig("iI"),
  proxy_get_metric: sig("ii"),
  proxy_set_effective_context: sig("i"),
  proxy_done: sig(""),
  proxy_call_foreign_function: sig("iiiiii"),
  emscripten_notify_memory_growth: sig("i", ""),
  pthread_equal: sig("ii"),
};

/** `env` functions registered only for some ABI versions (cpp-host registerCallbacks). */
const ENV_BY_ABI: Record<AbiVersion, Record<string, Signature>> = {
  "0.1.0": {
    proxy_get_configuration: sig("ii"),
    proxy_continue_request: sig(""),
    proxy_continue_response: sig(""),
    proxy_clear_route_cache: sig(""),
  },
  "0.2.0": { proxy_continue_stream: sig("i"), proxy_close_stream: sig("i") },
  "0.2.1": { proxy_continue_stream: sig("i"), proxy_close_stream: sig("i"), proxy_get_log_level: sig("i") },
};

/** The WASI preview1 functions served, under `wasi_snapshot_preview1` and `wasi_unstable`. */
export const WASI_FUNCTIONS: Record<string, Signature> = {
  fd_write: sig("iiii"),
  fd_read: sig("iiii"),
  fd_seek: sig("iIii"),
  fd_close: sig("i"),
  fd_fdstat_get: sig("ii"),
  fd_fdstat_set_flags: sig("ii"),
  fd_prestat_get: sig("ii"),
  fd_prestat_dir_name: sig("iii"),
  path_open: sig("iiiiiIIii"),
  environ_get: sig("ii"),
  environ_sizes_get: sig("ii"),
  args_get: sig("ii"),
  args_sizes_get: sig("ii"),
  clock_time_get: sig("iIi"),
  clock_res_get: sig("ii"),
  random_get: sig("ii"),
  sched_yield: sig(""),
  poll_oneoff: sig("iiii"),
  proc_exit: sig("i", ""),
};

/** The `env` functions a module of `abi` may import, with their types. */
export function envFunctionsFor(abi: AbiVersion): Record<string, Signature> {
  return { ...ENV_ALWAYS, ...ENV_BY_ABI[abi] };
}

/** Every `env` function of any ABI version (the host implements them all). */
export function allEnvFunctions(): Record<string, Signature> {
  return { ...ENV_ALWAYS, ...ENV_BY_ABI["0.1.0"], ...ENV_BY_ABI["0.2.1"] };
}

/** Callback exports cpp-host looks up, with the type it calls them with (getFunctions). */
export function callbackExportsFor(abi: AbiVersion): Record<string, Signature> {
  const headers = abi === "0.1.0" ? sig("ii") : sig("iii");
  const exports: Record<string, Signature> = {
    _initialize: sig("", ""),
    _start: sig("", ""),
    __wasm_call_ctors: sig("", ""),
    malloc: sig("i"),
    proxy_on_memory_allocate: sig("i"),
    proxy_validate_configuration: sig("ii"),
    proxy_on_vm_start: sig("ii"),
    proxy_on_configure: sig("ii"),
    proxy_on_tick: sig("i", ""),
    proxy_on_context_create: sig("ii", ""),
    proxy_on_new_connection: sig("i"),
    proxy_on_downstream_data: sig("iii"),
    proxy_on_upstream_data: sig("iii"),
    proxy_on_downstream_connection_close: sig("ii", ""),
    proxy_on_upstream_connection_close: sig("ii", ""),
    proxy_on_request_headers: headers,
    proxy_on_request_body: sig("iii"),
    proxy_on_request_trailers: sig("ii"),
    proxy_on_request_metadata: sig("ii"),
    proxy_on_response_headers: headers,
    proxy_on_response_body: sig("iii"),
    proxy_on_response_trailers: sig("ii"),
    proxy_on_response_metadata: sig("ii"),
    proxy_on_http_call_response: sig("iiiii", ""),
    proxy_on_grpc_receive: sig("iii", ""),
    proxy_on_grpc_close: sig("iii", ""),
    proxy_on_grpc_receive_initial_metadata: sig("iii", ""),
    proxy_on_grpc_receive_trailing_metadata: sig("iii", ""),
    proxy_on_queue_ready: sig("ii", ""),
    proxy_on_done: sig("i"),
    proxy_on_log: sig("i", ""),
    proxy_on_delete: sig("i", ""),
  };
  if (abi !== "0.1.0") exports.proxy_on_foreign_function = sig("iii", "");
  return exports;
}

export function formatSignature(s: Signature): string {
  const name = (c: string) => (c === "I" ? "i64" : c === "i" ? "i32" : c === "f" ? "f32" : c === "F" ? "f64" : c);
  return `(${[...s.params].map(name).join(", ")}) -> (${[...s.results].map(name).join(", ")})`;
}
