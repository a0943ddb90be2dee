// ABI probe: a proxy-wasm module written against raw `@external("env", ...)` imports (no SDK),
// used by host/*.test.ts to check the host function by function. Built by `npm run build` to
// build/host/testdata/abi-probe.wasm (+ .wasm.map; asc debug target).
//
// Part 1, behaviour: the callbacks below act on the request header `x-probe`:
//   (absent)  add `x-probe-seen: <num_headers>` and Continue
//   local     proxy_send_local_response(403, ...) and *Continue* (the host must force a stop)
//   callout   proxy_http_call to "auth"; on the response copy :status and body into the request
//   trap      unreachable            abort  assert(false) (routed to proxy_log + trap)
//   loop      never returns          grow   memory.grow(20000) (1.25 GiB)
//   spin      busy until the host clock has moved 300 ms, then as absent (a long callback
//             whatever the machine's speed or the compiler tier)
// and on_configure understands the plugin configuration `tick=<ms>` and `reject`.
// Part 2, trampolines: every env host function re-exported as `call_<name>` (same params).

// ---- part 1 ----

export function proxy_abi_version_0_2_1(): void {}

let mallocCalls: u32 = 0;
export function malloc(size: usize): usize { mallocCalls++; return heap.alloc(size); }
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function malloc_calls(): u32 { return mallocCalls; }

let ticksMetric: u32 = 0;
let lastCreated: u32 = 0;
let lastParent: u32 = 0;
let deleted: u32 = 0;
let sink: u32 = 0;
export function last_context_create(): u32 { return lastCreated * 1000 + lastParent; }
export function deleted_contexts(): u32 { return deleted; }

const RET: usize = memory.data(16);

function str(s: string): ArrayBuffer { return String.UTF8.encode(s); }
function ptr(b: ArrayBuffer): i32 { return <i32>changetype<usize>(b); }
function len(b: ArrayBuffer): i32 { return b.byteLength; }
function log(level: i32, message: string): void { const b = str(message); proxy_log(level, ptr(b), len(b)); }

/** Result bytes the host wrote into RET (ptr, len) as a string; "" when NotFound. */
function takeString(status: i32): string {
  if (status != 0) return "";
  const p = load<u32>(RET);
  const n = load<u32>(RET + 4);
  return n == 0 ? "" : String.UTF8.decodeUnsafe(<usize>p, <usize>n);
}

function header(mapType: i32, name: string): string {
  const k = str(name);
  return takeString(proxy_get_header_map_value(mapType, ptr(k), len(k), <i32>RET, <i32>(RET + 4)));
}

function addHeader(mapType: i32, name: string, value: string): void {
  const k = str(name);
  const v = str(value);
  proxy_add_header_map_value(mapType, ptr(k), len(k), ptr(v), len(v));
}

/** Serialized header map per the ABI: u32 N, N x (u32 klen, u32 vlen), N x (k\0 v\0). */
function pairs(kvs: string[]): ArrayBuffer {
  const n = kvs.length / 2;
  let size = 4 + n * 8;
  for (let i = 0; i < kvs.length; i++) size += String.UTF8.byteLength(kvs[i]) + 1;
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, n);
  let data = base + 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const k = str(kvs[2 * i]);
    const v = str(kvs[2 * i + 1]);
    store<u32>(base + 4 + i * 8, k.byteLength);
    store<u32>(base + 8 + i * 8, v.byteLength);
    memory.copy(data, changetype<usize>(k), k.byteLength); data += k.byteLength + 1;
    memory.copy(data, changetype<usize>(v), v.byteLength); data += v.byteLength + 1;
  }
  return out;
}

export function proxy_on_context_create(id: u32, parent: u32): void { lastCreated = id; lastParent = parent; }

export function proxy_on_vm_start(root: u32, size: u32): bool {
  proxy_get_buffer_bytes(6, 0, size, <i32>RET, <i32>(RET + 4));
  log(2, "vm_start: " + takeString(0));
  return true;
}

export function proxy_on_configure(root: u32, size: u32): bool {
  const config = takeString(proxy_get_buffer_bytes(7, 0, size, <i32>RET, <i32>(RET + 4)));
  log(2, "configure: " + config);
  if (config == "reject") return false;
  const name = str("probe_ticks");
  proxy_define_metric(0, ptr(name), len(name), <i32>RET);
  ticksMetric = load<u32>(RET);
  if (config.startsWith("tick=")) proxy_set_tick_period_milliseconds(I32.parseInt(config.substring(5)));
  return true;
}

export function proxy_on_tick(root: u32): void { proxy_increment_metric(ticksMetric, 1); }

export function proxy_on_queue_ready(root: u32, queue: u32): void {
  log(2, "queue " + queue.toString() + ": " + takeString(proxy_dequeue_shared_queue(queue, <i32>RET, <i32>(RET + 4))));
}

export function proxy_on_foreign_function(root: u32, id: u32, size: u32): void {
  log(2, "foreign " + id.toString() + ": " + takeString(proxy_get_buffer_bytes(8, 0, size, <i32>RET, <i32>(RET + 4))));
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const mode = header(0, "x-probe");
  if (mode == "local") {
    const details = str("probe_denied"); const body = str("denied"); const hs = pairs(["x-probe-reason", "test"]);
    proxy_send_local_response(403, ptr(details), len(details), ptr(body), len(body), ptr(hs), len(hs), -1);
    return 0;
  }
  if (mode == "callout") {
    const up = str("auth"); const hs = pairs([":method", "GET", ":path", "/check", ":authority", "auth"]); const body = str("ping");
    const status = proxy_http_call(ptr(up), len(up), ptr(hs), len(hs), ptr(body), len(body), 0, 0, 500, <i32>RET);
    log(2, "http_call status " + status.toString() + " token " + load<u32>(RET).toString());
    calloutCallers.set(load<u32>(RET), ctx);
    return 1;
  }
  if (mode == "trap") unreachable();
  if (mode == "abort") assert(false, "probe assertion");
  if (mode == "loop") { while (true) { sink++; } }
  if (mode == "spin") {
    proxy_get_current_time_nanoseconds(<i32>RET);
    const until = load<u64>(RET) + 300_000_000;
    do { sink++; proxy_get_current_time_nanoseconds(<i32>RET); } while (load<u64>(RET) < until);
  }
  if (mode == "grow") {
    const pages = header(0, "x-probe-pages");
    const grew = memory.grow(pages.length ? I32.parseInt(pages) : 20000);
    addHeader(0, "x-probe-grew", grew.toString());
  }
  addHeader(0, "x-probe-seen", n.toString());
  return 0;
}

/** token -> stream that made the call: the answer arrives on the root context, as in Envoy. */
const calloutCallers = new Map<u32, u32>();

export function proxy_on_http_call_response(root: u32, token: u32, nh: u32, bodySize: u32, nt: u32): void {
  log(2, "http_call_response on context " + root.toString());
  proxy_set_effective_context(calloutCallers.get(token));
  calloutCallers.delete(token);
  const status = header(6, ":status");
  const body = takeString(proxy_get_buffer_bytes(4, 0, bodySize, <i32>RET, <i32>(RET + 4)));
  addHeader(0, "x-callout", status + " " + body + " headers=" + nh.toString() + " trailers=" + nt.toString());
  proxy_continue_stream(0);
}

export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  const body = takeString(proxy_get_buffer_bytes(0, 0, size, <i32>RET, <i32>(RET + 4)));
  log(1, "request body " + size.toString() + ": " + body);
  return eos ? 0 : 1;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 { addHeader(2, "x-probe-response", "1"); return 0; }
export function proxy_on_log(ctx: u32): void { log(2, "on_log " + ctx.toString()); }
export function proxy_on_done(ctx: u32): bool { return true; }
export function proxy_on_delete(ctx: u32): void { deleted++; }

// ---- part 2: trampolines (WASI first, then env) ----

@external("wasi_snapshot_preview1", "fd_write") declare function fd_write(a: i32, b: i32, c: i32, d: i32): i32;
export function call_fd_write(a: i32, b: i32, c: i32, d: i32): i32 { return fd_write(a, b, c, d); }
@external("wasi_snapshot_preview1", "clock_time_get") declare function clock_time_get(a: i32, b: i64, c: i32): i32;
export function call_clock_time_get(a: i32, b: i64, c: i32): i32 { return clock_time_get(a, b, c); }
@external("wasi_snapshot_preview1", "random_get") declare function random_get(a: i32, b: i32): i32;
export function call_random_get(a: i32, b: i32): i32 { return random_get(a, b); }
@external("wasi_snapshot_preview1", "environ_sizes_get") declare function environ_sizes_get(a: i32, b: i32): i32;
export function call_environ_sizes_get(a: i32, b: i32): i32 { return environ_sizes_get(a, b); }
@external("wasi_snapshot_preview1", "args_sizes_get") declare function args_sizes_get(a: i32, b: i32): i32;
export function call_args_sizes_get(a: i32, b: i32): i32 { return args_sizes_get(a, b); }
@external("wasi_snapshot_preview1", "fd_read") declare function fd_read(a: i32, b: i32, c: i32, d: i32): i32;
export function call_fd_read(a: i32, b: i32, c: i32, d: i32): i32 { return fd_read(a, b, c, d); }
@external("wasi_snapshot_preview1", "proc_exit") declare function proc_exit(a: i32): void;
export function call_proc_exit(a: i32): void { proc_exit(a); }
@external("wasi_unstable", "sched_yield") declare function sched_yield(): i32;
export function call_sched_yield(): i32 { return sched_yield(); }
@external("env", "emscripten_notify_memory_growth") declare function emscripten_notify_memory_growth(a: i32): void;
export function call_emscripten_notify_memory_growth(a: i32): i32 { emscripten_notify_memory_growth(a); return 0; }
@external("env", "pthread_equal") declare function pthread_equal(a: i32, b: i32): i32;
export function call_pthread_equal(a: i32, b: i32): i32 { return pthread_equal(a, b); }
@external("wasi_snapshot_preview1", "fd_seek") declare function fd_seek(a: i32, b: i64, c: i32, d: i32): i32;
export function call_fd_seek(a: i32, b: i64, c: i32, d: i32): i32 { return fd_seek(a, b, c, d); }
@external("wasi_snapshot_preview1", "fd_close") declare function fd_close(a: i32): i32;
export function call_fd_close(a: i32): i32 { return fd_close(a); }
@external("wasi_snapshot_preview1", "fd_fdstat_get") declare function fd_fdstat_get(a: i32, b: i32): i32;
export function call_fd_fdstat_get(a: i32, b: i32): i32 { return fd_fdstat_get(a, b); }
@external("wasi_snapshot_preview1", "fd_fdstat_set_flags") declare function fd_fdstat_set_flags(a: i32, b: i32): i32;
export function call_fd_fdstat_set_flags(a: i32, b: i32): i32 { return fd_fdstat_set_flags(a, b); }
@external("wasi_snapshot_preview1", "fd_prestat_get") declare function fd_prestat_get(a: i32, b: i32): i32;
export function call_fd_prestat_get(a: i32, b: i32): i32 { return fd_prestat_get(a, b); }
@external("wasi_snapshot_preview1", "fd_prestat_dir_name") declare function fd_prestat_dir_name(a: i32, b: i32, c: i32): i32;
export function call_fd_prestat_dir_name(a: i32, b: i32, c: i32): i32 { return fd_prestat_dir_name(a, b, c); }
@external("wasi_snapshot_preview1", "path_open") declare function path_open(a: i32, b: i32, c: i32, d: i32, e: i32, f: i64, g: i64, h: i32, i: i32): i32;
export function call_path_open(a: i32, b: i32, c: i32, d: i32, e: i32, f: i64, g: i64, h: i32, i: i32): i32 { return path_open(a, b, c, d, e, f, g, h, i); }
@external("wasi_snapshot_preview1", "environ_get") declare function environ_get(a: i32, b: i32): i32;
export function call_environ_get(a: i32, b: i32): i32 { return environ_get(a, b); }
@external("wasi_snapshot_preview1", "args_get") declare function args_get(a: i32, b: i32): i32;
export function call_args_get(a: i32, b: i32): i32 { return args_get(a, b); }
@external("wasi_snapshot_preview1", "clock_res_get") declare function clock_res_get(a: i32, b: i32): i32;
export function call_clock_res_get(a: i32, b: i32): i32 { return clock_res_get(a, b); }
@external("wasi_snapshot_preview1", "poll_oneoff") declare function poll_oneoff(a: i32, b: i32, c: i32, d: i32): i32;
export function call_poll_oneoff(a: i32, b: i32, c: i32, d: i32): i32 { return poll_oneoff(a, b, c, d); }
@external("wasi_snapshot_preview1", "sched_yield") declare function sched_yield_p1(): i32;
export function call_sched_yield_p1(): i32 { return sched_yield_p1(); }

// Trampolines: every `env` host function of proxy-wasm ABI 0.2.x (and the 0.1.0 leftovers),
// imported raw and re-exported as `call_<name>` with the same parameters, so tests drive the
// real import boundary with controlled pointers (including bad ones) and read exact results.
// Uppercase parameter D is i64 (metric delta/value); everything else is i32.

@external("env", "proxy_log") declare function proxy_log(l0: i32, p1: i32, n2: i32): i32;
export function call_proxy_log(l0: i32, p1: i32, n2: i32): i32 { return proxy_log(l0, p1, n2); }
@external("env", "proxy_get_log_level") declare function proxy_get_log_level(r0: i32): i32;
export function call_proxy_get_log_level(r0: i32): i32 { return proxy_get_log_level(r0); }
@external("env", "proxy_set_tick_period_milliseconds") declare function proxy_set_tick_period_milliseconds(a0: i32): i32;
export function call_proxy_set_tick_period_milliseconds(a0: i32): i32 { return proxy_set_tick_period_milliseconds(a0); }
@external("env", "proxy_get_current_time_nanoseconds") declare function proxy_get_current_time_nanoseconds(r0: i32): i32;
export function call_proxy_get_current_time_nanoseconds(r0: i32): i32 { return proxy_get_current_time_nanoseconds(r0); }
@external("env", "proxy_get_property") declare function proxy_get_property(a0: i32, b1: i32, c2: i32, d3: i32): i32;
export function call_proxy_get_property(a0: i32, b1: i32, c2: i32, d3: i32): i32 { return proxy_get_property(a0, b1, c2, d3); }
@external("env", "proxy_set_property") declare function proxy_set_property(a0: i32, b1: i32, c2: i32, d3: i32): i32;
export function call_proxy_set_property(a0: i32, b1: i32, c2: i32, d3: i32): i32 { return proxy_set_property(a0, b1, c2, d3); }
@external("env", "proxy_get_buffer_bytes") declare function proxy_get_buffer_bytes(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_get_buffer_bytes(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_get_buffer_bytes(a0, b1, c2, d3, e4); }
@external("env", "proxy_set_buffer_bytes") declare function proxy_set_buffer_bytes(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_set_buffer_bytes(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_set_buffer_bytes(a0, b1, c2, d3, e4); }
@external("env", "proxy_get_buffer_status") declare function proxy_get_buffer_status(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_get_buffer_status(a0: i32, b1: i32, c2: i32): i32 { return proxy_get_buffer_status(a0, b1, c2); }
@external("env", "proxy_get_header_map_size") declare function proxy_get_header_map_size(a0: i32, b1: i32): i32;
export function call_proxy_get_header_map_size(a0: i32, b1: i32): i32 { return proxy_get_header_map_size(a0, b1); }
@external("env", "proxy_get_header_map_pairs") declare function proxy_get_header_map_pairs(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_get_header_map_pairs(a0: i32, b1: i32, c2: i32): i32 { return proxy_get_header_map_pairs(a0, b1, c2); }
@external("env", "proxy_set_header_map_pairs") declare function proxy_set_header_map_pairs(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_set_header_map_pairs(a0: i32, b1: i32, c2: i32): i32 { return proxy_set_header_map_pairs(a0, b1, c2); }
@external("env", "proxy_get_header_map_value") declare function proxy_get_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_get_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_get_header_map_value(a0, b1, c2, d3, e4); }
@external("env", "proxy_add_header_map_value") declare function proxy_add_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_add_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_add_header_map_value(a0, b1, c2, d3, e4); }
@external("env", "proxy_replace_header_map_value") declare function proxy_replace_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_replace_header_map_value(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_replace_header_map_value(a0, b1, c2, d3, e4); }
@external("env", "proxy_remove_header_map_value") declare function proxy_remove_header_map_value(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_remove_header_map_value(a0: i32, b1: i32, c2: i32): i32 { return proxy_remove_header_map_value(a0, b1, c2); }
@external("env", "proxy_continue_stream") declare function proxy_continue_stream(a0: i32): i32;
export function call_proxy_continue_stream(a0: i32): i32 { return proxy_continue_stream(a0); }
@external("env", "proxy_close_stream") declare function proxy_close_stream(a0: i32): i32;
export function call_proxy_close_stream(a0: i32): i32 { return proxy_close_stream(a0); }
@external("env", "proxy_send_local_response") declare function proxy_send_local_response(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32): i32;
export function call_proxy_send_local_response(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32): i32 { return proxy_send_local_response(a0, b1, c2, d3, e4, f5, g6, h7); }
@external("env", "proxy_http_call") declare function proxy_http_call(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32, j9: i32): i32;
export function call_proxy_http_call(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32, j9: i32): i32 { return proxy_http_call(a0, b1, c2, d3, e4, f5, g6, h7, i8, j9); }
@external("env", "proxy_grpc_call") declare function proxy_grpc_call(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32, j9: i32, k10: i32, l11: i32): i32;
export function call_proxy_grpc_call(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32, j9: i32, k10: i32, l11: i32): i32 { return proxy_grpc_call(a0, b1, c2, d3, e4, f5, g6, h7, i8, j9, k10, l11); }
@external("env", "proxy_grpc_stream") declare function proxy_grpc_stream(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32): i32;
export function call_proxy_grpc_stream(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32, g6: i32, h7: i32, i8: i32): i32 { return proxy_grpc_stream(a0, b1, c2, d3, e4, f5, g6, h7, i8); }
@external("env", "proxy_grpc_send") declare function proxy_grpc_send(a0: i32, b1: i32, c2: i32, d3: i32): i32;
export function call_proxy_grpc_send(a0: i32, b1: i32, c2: i32, d3: i32): i32 { return proxy_grpc_send(a0, b1, c2, d3); }
@external("env", "proxy_grpc_cancel") declare function proxy_grpc_cancel(a0: i32): i32;
export function call_proxy_grpc_cancel(a0: i32): i32 { return proxy_grpc_cancel(a0); }
@external("env", "proxy_grpc_close") declare function proxy_grpc_close(a0: i32): i32;
export function call_proxy_grpc_close(a0: i32): i32 { return proxy_grpc_close(a0); }
@external("env", "proxy_get_status") declare function proxy_get_status(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_get_status(a0: i32, b1: i32, c2: i32): i32 { return proxy_get_status(a0, b1, c2); }
@external("env", "proxy_set_shared_data") declare function proxy_set_shared_data(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_set_shared_data(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_set_shared_data(a0, b1, c2, d3, e4); }
@external("env", "proxy_get_shared_data") declare function proxy_get_shared_data(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_get_shared_data(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_get_shared_data(a0, b1, c2, d3, e4); }
@external("env", "proxy_register_shared_queue") declare function proxy_register_shared_queue(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_register_shared_queue(a0: i32, b1: i32, c2: i32): i32 { return proxy_register_shared_queue(a0, b1, c2); }
@external("env", "proxy_resolve_shared_queue") declare function proxy_resolve_shared_queue(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32;
export function call_proxy_resolve_shared_queue(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32): i32 { return proxy_resolve_shared_queue(a0, b1, c2, d3, e4); }
@external("env", "proxy_enqueue_shared_queue") declare function proxy_enqueue_shared_queue(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_enqueue_shared_queue(a0: i32, b1: i32, c2: i32): i32 { return proxy_enqueue_shared_queue(a0, b1, c2); }
@external("env", "proxy_dequeue_shared_queue") declare function proxy_dequeue_shared_queue(a0: i32, b1: i32, c2: i32): i32;
export function call_proxy_dequeue_shared_queue(a0: i32, b1: i32, c2: i32): i32 { return proxy_dequeue_shared_queue(a0, b1, c2); }
@external("env", "proxy_define_metric") declare function proxy_define_metric(a0: i32, b1: i32, c2: i32, d3: i32): i32;
export function call_proxy_define_metric(a0: i32, b1: i32, c2: i32, d3: i32): i32 { return proxy_define_metric(a0, b1, c2, d3); }
@external("env", "proxy_increment_metric") declare function proxy_increment_metric(a0: i32, d1: i64): i32;
export function call_proxy_increment_metric(a0: i32, d1: i64): i32 { return proxy_increment_metric(a0, d1); }
@external("env", "proxy_record_metric") declare function proxy_record_metric(a0: i32, d1: i64): i32;
export function call_proxy_record_metric(a0: i32, d1: i64): i32 { return proxy_record_metric(a0, d1); }
@external("env", "proxy_get_metric") declare function proxy_get_metric(a0: i32, b1: i32): i32;
export function call_proxy_get_metric(a0: i32, b1: i32): i32 { return proxy_get_metric(a0, b1); }
@external("env", "proxy_set_effective_context") declare function proxy_set_effective_context(a0: i32): i32;
export function call_proxy_set_effective_context(a0: i32): i32 { return proxy_set_effective_context(a0); }
@external("env", "proxy_done") declare function proxy_done(): i32;
export function call_proxy_done(): i32 { return proxy_done(); }
@external("env", "proxy_call_foreign_function") declare function proxy_call_foreign_function(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32): i32;
export function call_proxy_call_foreign_function(a0: i32, b1: i32, c2: i32, d3: i32, e4: i32, f5: i32): i32 { return proxy_call_foreign_function(a0, b1, c2, d3, e4, f5); }
@external("env", "proxy_get_configuration") declare function proxy_get_configuration(a0: i32, b1: i32): i32;
export function call_proxy_get_configuration(a0: i32, b1: i32): i32 { return proxy_get_configuration(a0, b1); }
@external("env", "proxy_continue_request") declare function proxy_continue_request(): i32;
export function call_proxy_continue_request(): i32 { return proxy_continue_request(); }
@external("env", "proxy_continue_response") declare function proxy_continue_response(): i32;
export function call_proxy_continue_response(): i32 { return proxy_continue_response(); }
@external("env", "proxy_clear_route_cache") declare function proxy_clear_route_cache(): i32;
export function call_proxy_clear_route_cache(): i32 { return proxy_clear_route_cache(); }
