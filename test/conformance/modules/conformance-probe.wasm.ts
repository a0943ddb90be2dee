// Conformance probe: a proxy-wasm module written against raw `@external("env", ...)` imports
// (no SDK), run by test/conformance through host/ and through real Envoy with the same
// requests. It makes host calls and reports what it got back — statuses, values, what a map
// holds — as log lines, so the two hosts' answers can be compared line by line. The request
// header `x-case` picks what it does:
//   headers     log the request map; add x-added, replace x-replace, remove x-remove; on the
//               response add x-resp-added and remove x-echo-drop; log the response map
//   local       send a local reply (418) and answer Continue; the response callbacks log what
//               they see of it and add x-seen-by-sender
//   callout     stop, call the "upstream" cluster, then from the answer: add a header, continue,
//               try another header (gone after continue); body chunks are logged as they arrive
//   buffers     read past the end of the body, replace its prefix, append (request body)
//   properties  log Envoy attributes (status, length, value) in request, response and log phases
//   shared      shared data: CAS on a missing key, then a stale CAS
//   metrics     a counter, a gauge and a histogram, read back
//   levels      one log line per level, and proxy_get_log_level
//   statuses    statuses of edge calls: continue/close stream types, local reply on the root
//   trap        unreachable in proxy_on_request_headers
//   loop        never returns from proxy_on_request_headers (the local data plane's runaway stop)
//   attributes  the stream-info attributes of both phases as response headers x-attr-request and
//               x-attr-response (test/e2e/attributes.test.ts compares the two data planes)
// Built by `npm run build` to build/test/conformance/modules/conformance-probe.wasm.

export function proxy_abi_version_0_2_1(): void {}

export function malloc(size: usize): usize { return heap.alloc(size); }

@external("env", "proxy_log") declare function proxy_log(level: i32, p: i32, n: i32): i32;
@external("env", "proxy_get_log_level") declare function proxy_get_log_level(ret: i32): i32;
@external("env", "proxy_get_property") declare function proxy_get_property(p: i32, n: i32, rp: i32, rn: i32): i32;
@external("env", "proxy_get_buffer_bytes") declare function proxy_get_buffer_bytes(t: i32, start: i32, max: i32, rp: i32, rn: i32): i32;
@external("env", "proxy_set_buffer_bytes") declare function proxy_set_buffer_bytes(t: i32, start: i32, size: i32, p: i32, n: i32): i32;
@external("env", "proxy_get_buffer_status") declare function proxy_get_buffer_status(t: i32, rl: i32, rf: i32): i32;
@external("env", "proxy_get_header_map_pairs") declare function proxy_get_header_map_pairs(t: i32, rp: i32, rn: i32): i32;
@external("env", "proxy_get_header_map_value") declare function proxy_get_header_map_value(t: i32, kp: i32, kn: i32, rp: i32, rn: i32): i32;
@external("env", "proxy_add_header_map_value") declare function proxy_add_header_map_value(t: i32, kp: i32, kn: i32, vp: i32, vn: i32): i32;
@external("env", "proxy_replace_header_map_value") declare function proxy_replace_header_map_value(t: i32, kp: i32, kn: i32, vp: i32, vn: i32): i32;
@external("env", "proxy_remove_header_map_value") declare function proxy_remove_header_map_value(t: i32, kp: i32, kn: i32): i32;
@external("env", "proxy_continue_stream") declare function proxy_continue_stream(t: i32): i32;
@external("env", "proxy_close_stream") declare function proxy_close_stream(t: i32): i32;
@external("env", "proxy_send_local_response") declare function proxy_send_local_response(code: i32, dp: i32, dn: i32, bp: i32, bn: i32, hp: i32, hn: i32, grpc: i32): i32;
@external("env", "proxy_http_call") declare function proxy_http_call(up: i32, un: i32, hp: i32, hn: i32, bp: i32, bn: i32, tp: i32, tn: i32, timeout: i32, token: i32): i32;
@external("env", "proxy_set_effective_context") declare function proxy_set_effective_context(id: i32): i32;
@external("env", "proxy_get_shared_data") declare function proxy_get_shared_data(kp: i32, kn: i32, rp: i32, rn: i32, cas: i32): i32;
@external("env", "proxy_set_shared_data") declare function proxy_set_shared_data(kp: i32, kn: i32, vp: i32, vn: i32, cas: i32): i32;
@external("env", "proxy_define_metric") declare function proxy_define_metric(t: i32, p: i32, n: i32, ret: i32): i32;
@external("env", "proxy_increment_metric") declare function proxy_increment_metric(id: i32, d: i64): i32;
@external("env", "proxy_record_metric") declare function proxy_record_metric(id: i32, v: i64): i32;
@external("env", "proxy_get_metric") declare function proxy_get_metric(id: i32, ret: i32): i32;

const RET: usize = memory.data(16);

function str(s: string): ArrayBuffer { return String.UTF8.encode(s); }
function ptr(b: ArrayBuffer): i32 { return <i32>changetype<usize>(b); }
function len(b: ArrayBuffer): i32 { return b.byteLength; }
function log(level: i32, message: string): void { const b = str(message); proxy_log(level, ptr(b), len(b)); }
function info(message: string): void { log(2, message); }

function bytesAt(p: u32, n: u32): Uint8Array {
  const out = new Uint8Array(n);
  memory.copy(changetype<usize>(out.buffer), <usize>p, <usize>n);
  return out;
}

/** The (ptr, len) the host wrote into RET, as text; "" when status is not Ok. */
function taken(status: i32): string {
  if (status != 0) return "";
  const n = load<u32>(RET + 4);
  return n == 0 ? "" : String.UTF8.decodeUnsafe(<usize>load<u32>(RET), <usize>n);
}

function header(mapType: i32, name: string): string {
  const k = str(name);
  return taken(proxy_get_header_map_value(mapType, ptr(k), len(k), <i32>RET, <i32>(RET + 4)));
}

/** A header map as `k=v;k=v` (values longer than 40 bytes shortened to their length). */
function mapText(mapType: i32): string {
  const status = proxy_get_header_map_pairs(mapType, <i32>RET, <i32>(RET + 4));
  if (status != 0) return "status " + status.toString();
  const base = load<u32>(RET);
  const total = load<u32>(RET + 4);
  if (total == 0) return "(empty)";
  const n = load<u32>(base);
  let data = base + 4 + n * 8;
  const parts = new Array<string>();
  for (let i: u32 = 0; i < n; i++) {
    const kl = load<u32>(base + 4 + i * 8);
    const vl = load<u32>(base + 8 + i * 8);
    const k = String.UTF8.decodeUnsafe(<usize>data, <usize>kl);
    data += kl + 1;
    const v = String.UTF8.decodeUnsafe(<usize>data, <usize>vl);
    data += vl + 1;
    // Headers only a proxy's codec or router adds (date, server, connection, Envoy's timing
    // headers) are left out; x-request-id is random on each side.
    if (k == "date" || k == "server" || k == "connection" || k.startsWith("x-envoy-")) continue;
    parts.push(k + "=" + (k == "x-request-id" ? "<" + vl.toString() + " bytes>" : v));
  }
  return parts.join(";");
}

function addHeader(mapType: i32, name: string, value: string): i32 {
  const k = str(name);
  const v = str(value);
  return proxy_add_header_map_value(mapType, ptr(k), len(k), ptr(v), len(v));
}

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

/** One property as `path: status/length/value`; values that vary per run as their length only. */
function property(path: string, printable: bool): string {
  const parts = path.split(".");
  const joined = parts.join("\0");
  const b = str(joined);
  const status = proxy_get_property(ptr(b), len(b), <i32>RET, <i32>(RET + 4));
  if (status != 0) return path + ": status " + status.toString();
  const n = load<u32>(RET + 4);
  if (!printable) return path + ": " + n.toString() + " bytes";
  const bytes = bytesAt(load<u32>(RET), n);
  let text = "";
  let binary = false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] < 32 || bytes[i] > 126) binary = true;
  if (binary) {
    for (let i = 0; i < bytes.length; i++) text += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return path + ": " + n.toString() + " bytes 0x" + text;
  }
  return path + ": " + n.toString() + " bytes '" + String.UTF8.decodeUnsafe(changetype<usize>(bytes.buffer), n) + "'";
}

function logProperties(phase: string): void {
  const stable = ["request.path", "request.url_path", "request.host", "request.method", "request.scheme", "request.protocol",
    "request.useragent", "request.headers.x-case", "request.query",
    "connection.mtls", "response.code", "response.code_details", "response.flags", "upstream.address",
    "xds.route_name", "xds.cluster_name", "xds.virtual_host_name", "plugin_name", "plugin_root_id", "plugin_vm_id", "node.id", "no_such.thing"];
  for (let i = 0; i < stable.length; i++) info(phase + " " + property(stable[i], true));
  const varying = ["request.id", "request.time", "request.duration", "source.address", "destination.address", "destination.port", "source.port", "connection.id", "upstream.port", "request.size", "response.size"];
  for (let i = 0; i < varying.length; i++) info(phase + " " + property(varying[i], false));
}

/** The stream-info attributes an embedder supplies, one "; "-joined line per phase. */
function attributeLine(): string {
  const names = ["request.path", "request.url_path", "request.method", "request.host", "request.scheme", "request.protocol", "source.address", "source.port", "destination.address", "destination.port", "connection.id",
    "connection.mtls", "connection.requested_server_name", "connection.tls_version", "xds.route_name", "xds.virtual_host_name",
    "xds.cluster_name", "upstream.address", "upstream.port"];
  let line = "";
  for (let i = 0; i < names.length; i++) line += (i ? "; " : "") + property(names[i], true);
  return line;
}

let attributesSeen = new Map<u32, string>();
let caseOf = new Map<u32, string>();
let calloutCaller = new Map<u32, u32>();
let spins: u64 = 0;
let counter: u32 = 0;
let gauge: u32 = 0;
let histogram: u32 = 0;

export function proxy_on_context_create(id: u32, parent: u32): void {}

export function proxy_on_configure(root: u32, size: u32): bool {
  const name = str("conformance_requests");
  proxy_define_metric(0, ptr(name), len(name), <i32>RET);
  counter = load<u32>(RET);
  const g = str("conformance_gauge");
  proxy_define_metric(1, ptr(g), len(g), <i32>RET);
  gauge = load<u32>(RET);
  const h = str("conformance_histogram");
  proxy_define_metric(2, ptr(h), len(h), <i32>RET);
  histogram = load<u32>(RET);
  return true;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const c = header(0, "x-case");
  caseOf.set(ctx, c);
  proxy_increment_metric(counter, 1);
  if (c == "trap") unreachable();
  if (c == "attributes") attributesSeen.set(ctx, attributeLine());
  if (c == "loop") { while (true) spins++; }
  if (c == "headers") {
    info("request headers: " + mapText(0));
    info("add " + addHeader(0, "x-added", "1").toString());
    const k = str("x-replace"); const v = str("new");
    info("replace " + proxy_replace_header_map_value(0, ptr(k), len(k), ptr(v), len(v)).toString());
    const r = str("x-remove");
    info("remove " + proxy_remove_header_map_value(0, ptr(r), len(r)).toString());
    return 0;
  }
  if (c == "local") {
    const d = str("conformance_local"); const b = str("teapot"); const hs = pairs(["x-local", "1"]);
    info("send_local_response " + proxy_send_local_response(418, ptr(d), len(d), ptr(b), len(b), ptr(hs), len(hs), -1).toString());
    return 0;
  }
  if (c == "callout") {
    const up = str("upstream"); const hs = pairs([":method", "GET", ":path", "/callout", ":authority", "upstream", "x-echo-body", "called"]);
    const status = proxy_http_call(ptr(up), len(up), ptr(hs), len(hs), 0, 0, 0, 0, 2000, <i32>RET);
    calloutCaller.set(load<u32>(RET), ctx);
    info("http_call " + status.toString());
    return 1;
  }
  if (c == "buffers") {
    const cl = str("content-length");
    proxy_remove_header_map_value(0, ptr(cl), len(cl));
    return 0;
  }
  if (c == "properties") { logProperties("request"); return 0; }
  if (c == "shared") {
    const key = str("fresh-" + header(0, "x-key")); const value = str("v1");
    info("cas on a missing key " + proxy_set_shared_data(ptr(key), len(key), ptr(value), len(value), 12345).toString());
    const got = proxy_get_shared_data(ptr(key), len(key), <i32>RET, <i32>(RET + 4), <i32>(RET + 8));
    info("get " + got.toString() + " '" + taken(got) + "' cas nonzero " + (load<u32>(RET + 8) != 0).toString());
    const value2 = str("v2");
    info("stale cas " + proxy_set_shared_data(ptr(key), len(key), ptr(value2), len(value2), 0x7ffffff0).toString());
    return 0;
  }
  if (c == "metrics") {
    proxy_record_metric(gauge, 42);
    proxy_record_metric(histogram, 7);
    info("get counter " + proxy_get_metric(counter, <i32>RET).toString() + " " + load<u64>(RET).toString());
    info("get gauge " + proxy_get_metric(gauge, <i32>RET).toString() + " " + load<u64>(RET).toString());
    info("get histogram " + proxy_get_metric(histogram, <i32>RET).toString());
    info("increment gauge " + proxy_increment_metric(gauge, -2).toString());
    return 0;
  }
  if (c == "levels") {
    for (let level = 0; level <= 5; level++) log(level, "level " + level.toString());
    info("get_log_level " + proxy_get_log_level(<i32>RET).toString() + " " + load<u32>(RET).toString());
    return 0;
  }
  if (c == "statuses") {
    info("continue downstream " + proxy_continue_stream(2).toString());
    info("continue upstream " + proxy_continue_stream(3).toString());
    info("close upstream " + proxy_close_stream(3).toString());
    info("continue 7 " + proxy_continue_stream(7).toString());
    info("buffer status of the response body " + proxy_get_buffer_status(1, <i32>RET, <i32>(RET + 4)).toString());
    info("buffer status of the vm configuration " + proxy_get_buffer_status(6, <i32>RET, <i32>(RET + 4)).toString());
    info("buffer status of the plugin configuration " + proxy_get_buffer_status(7, <i32>RET, <i32>(RET + 4)).toString());
    info("buffer status of the call response body " + proxy_get_buffer_status(4, <i32>RET, <i32>(RET + 4)).toString());
    return 0;
  }
  return 0;
}

export function proxy_on_http_call_response(root: u32, token: u32, nh: u32, bodySize: u32, nt: u32): void {
  const ctx = calloutCaller.get(token);
  info("effective " + proxy_set_effective_context(ctx).toString());
  info("callout status " + header(6, ":status") + " body '" + taken(proxy_get_buffer_bytes(4, 0, bodySize, <i32>RET, <i32>(RET + 4))) + "'");
  info("add while held " + addHeader(0, "x-callout", "done").toString());
  info("continue " + proxy_continue_stream(0).toString());
  info("add after continue " + addHeader(0, "x-too-late", "1").toString());
}

export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  const c = caseOf.get(ctx);
  if (c == "callout") {
    info("request body " + size.toString() + " eos " + eos.toString() + ": " + taken(proxy_get_buffer_bytes(0, 0, size, <i32>RET, <i32>(RET + 4))));
    info("request headers in body " + mapText(0));
    return 0;
  }
  if (c == "buffers") {
    if (!eos) return 1;
    const past = proxy_get_buffer_bytes(0, size + 5, 10, <i32>RET, <i32>(RET + 4));
    info("read past the end " + past.toString() + " " + load<u32>(RET).toString() + "/" + load<u32>(RET + 4).toString());
    const pre = str(">>");
    info("replace prefix " + proxy_set_buffer_bytes(0, 0, 5, ptr(pre), len(pre)).toString());
    const post = str("<<");
    info("append " + proxy_set_buffer_bytes(0, size + 100, 0, ptr(post), len(post)).toString());
    const mid = str("!");
    info("middle " + proxy_set_buffer_bytes(0, 3, 1, ptr(mid), len(mid)).toString());
    proxy_get_buffer_status(0, <i32>RET, <i32>(RET + 4));
    info("body now " + taken(proxy_get_buffer_bytes(0, 0, load<u32>(RET), <i32>RET, <i32>(RET + 4))));
    return 0;
  }
  return 0;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 {
  const c = caseOf.get(ctx);
  if (c == "headers") {
    info("add response " + addHeader(2, "x-resp-added", "1").toString());
    const r = str("x-echo-drop");
    proxy_remove_header_map_value(2, ptr(r), len(r));
    info("response headers: " + mapText(2));
    info("request headers now: " + mapText(0));
  }
  if (c == "local") {
    info("local reply headers: " + mapText(2) + " eos " + eos.toString());
    info("add to local reply " + addHeader(2, "x-seen-by-sender", "1").toString());
  }
  if (c == "properties") logProperties("response");
  if (c == "attributes") {
    addHeader(2, "x-attr-request", attributesSeen.get(ctx));
    addHeader(2, "x-attr-response", attributeLine());
  }
  return 0;
}

export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 {
  const c = caseOf.get(ctx);
  if (c == "local") info("local reply body " + size.toString() + " eos " + eos.toString() + ": " + taken(proxy_get_buffer_bytes(1, 0, size, <i32>RET, <i32>(RET + 4))));
  return 0;
}

export function proxy_on_log(ctx: u32): void {
  const c = caseOf.get(ctx);
  if (c == "properties") logProperties("log");
  if (c == "headers" || c == "local") {
    info("log request headers: " + mapText(0));
    info("log response headers: " + mapText(2));
    info("log add " + addHeader(0, "x-in-log", "1").toString());
  }
}

export function proxy_on_done(ctx: u32): bool { return true; }

export function proxy_on_delete(ctx: u32): void { caseOf.delete(ctx); }
