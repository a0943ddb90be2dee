// A proxy-wasm HTTP filter in Rust, built for wasm32-wasi with std, to prove host/ runs modules
// from the Rust toolchain (see ../README.md).
//
// NOT the proxy-wasm Rust SDK, so that rustc alone builds it (no cargo, no registry): this
// file is written directly against the ABI (docs/proxy-wasm-abi.md) in the shape the SDK
// (proxy-wasm/proxy-wasm-rust-sdk 0.2) produces: a cdylib exporting `proxy_abi_version_0_2_1`,
// `proxy_on_memory_allocate` (a `Vec` leaked from Rust's global allocator, no `malloc` export),
// `_initialize` from the SDK's `main!` macro (calls `__wasm_call_ctors`, installs the panic
// hook), and every callback of its dispatcher; host calls are declared as in `hostcalls.rs`,
// results the host hands over are adopted with `Vec::from_raw_parts` and freed by Rust; an
// unexpected status panics, as the SDK does. std brings the WASI imports a real SDK module has:
// `HashMap` (RandomState -> `random_get`), `println!`/`eprintln!` (`fd_write`),
// `SystemTime::now` (`clock_time_get`).
//
// The filter, configured by `key=value` lines (`authz_cluster` required, `deny_route` optional):
// request headers read `xds.route_name` and `x-user`; a denied route gets a local 403, a
// missing user a local 401; otherwise `x-internal-token` is removed, `x-forwarded-user` replaced,
// `x-route`, `x-filter: rust` and `x-started-at` (unix seconds) added, the user's visit count read
// from shared data with its CAS, and the request paused on an HTTP callout to `authz_cluster`.
// A 200 answer adds `x-authz-subject: <body>` and resumes the request; any other answer is a
// local 403. Response headers store the count + 1 with the CAS read earlier: `x-visits: N`, or
// `x-visits-conflict: retry` when another worker wrote in between. Metrics:
// rust_filter_{requests,denied,cas_conflicts}_total counters, rust_filter_active_streams gauge.
// A request with `x-panic` panics (the VM fails; the panic message is logged at critical).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr::{null, null_mut};
use std::time::{SystemTime, UNIX_EPOCH};

// ---- the ABI (proxy-wasm-rust-sdk src/types.rs, src/hostcalls.rs) ----

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Status {
    Ok = 0,
    NotFound = 1,
    CasMismatch = 8,
}

fn status(code: u32) -> Result<Status, u32> {
    match code {
        0 => Ok(Status::Ok),
        1 => Ok(Status::NotFound),
        8 => Ok(Status::CasMismatch),
        other => Err(other),
    }
}

const LOG_INFO: u32 = 2;
const LOG_WARN: u32 = 3;
const LOG_CRITICAL: u32 = 5;
const REQUEST_HEADERS: u32 = 0;
const RESPONSE_HEADERS: u32 = 2;
const HTTP_CALL_RESPONSE_HEADERS: u32 = 6;
const HTTP_CALL_RESPONSE_BODY: u32 = 4;
const PLUGIN_CONFIGURATION: u32 = 7;
const STREAM_HTTP_REQUEST: u32 = 0;
const METRIC_COUNTER: u32 = 0;
const METRIC_GAUGE: u32 = 1;
const ACTION_CONTINUE: u32 = 0;
const ACTION_PAUSE: u32 = 1;

extern "C" {
    fn proxy_log(level: u32, message_data: *const u8, message_size: usize) -> u32;
    fn proxy_get_log_level(return_level: *mut u32) -> u32;
    fn proxy_get_property(path_data: *const u8, path_size: usize, return_value_data: *mut *mut u8, return_value_size: *mut usize) -> u32;
    fn proxy_get_buffer_bytes(buffer_type: u32, start: usize, max_size: usize, return_buffer_data: *mut *mut u8, return_buffer_size: *mut usize) -> u32;
    fn proxy_get_header_map_value(map_type: u32, key_data: *const u8, key_size: usize, return_value_data: *mut *mut u8, return_value_size: *mut usize) -> u32;
    fn proxy_add_header_map_value(map_type: u32, key_data: *const u8, key_size: usize, value_data: *const u8, value_size: usize) -> u32;
    fn proxy_replace_header_map_value(map_type: u32, key_data: *const u8, key_size: usize, value_data: *const u8, value_size: usize) -> u32;
    fn proxy_remove_header_map_value(map_type: u32, key_data: *const u8, key_size: usize) -> u32;
    fn proxy_send_local_response(status_code: u32, details_data: *const u8, details_size: usize, body_data: *const u8, body_size: usize, headers_data: *const u8, headers_size: usize, grpc_status: i32) -> u32;
    fn proxy_get_shared_data(key_data: *const u8, key_size: usize, return_value_data: *mut *mut u8, return_value_size: *mut usize, return_cas: *mut u32) -> u32;
    fn proxy_set_shared_data(key_data: *const u8, key_size: usize, value_data: *const u8, value_size: usize, cas: u32) -> u32;
    fn proxy_http_call(upstream_data: *const u8, upstream_size: usize, headers_data: *const u8, headers_size: usize, body_data: *const u8, body_size: usize, trailers_data: *const u8, trailers_size: usize, timeout: u32, return_token: *mut u32) -> u32;
    fn proxy_set_effective_context(context_id: u32) -> u32;
    fn proxy_continue_stream(stream_type: u32) -> u32;
    fn proxy_define_metric(metric_type: u32, name_data: *const u8, name_size: usize, return_id: *mut u32) -> u32;
    fn proxy_increment_metric(metric_id: u32, offset: i64) -> u32;
}

mod hostcalls {
    use super::*;

    fn expect_ok(call: &str, code: u32) {
        if code != Status::Ok as u32 {
            panic!("unexpected status from {}: {}", call, code);
        }
    }

    /// Takes ownership of a block the host allocated through proxy_on_memory_allocate.
    unsafe fn adopt(data: *mut u8, size: usize) -> Option<Vec<u8>> {
        if data.is_null() { None } else { Some(Vec::from_raw_parts(data, size, size)) }
    }

    pub fn log(level: u32, message: &str) {
        expect_ok("proxy_log", unsafe { proxy_log(level, message.as_ptr(), message.len()) });
    }

    pub fn log_level() -> u32 {
        let mut level = 0;
        expect_ok("proxy_get_log_level", unsafe { proxy_get_log_level(&mut level) });
        level
    }

    /// Path segments joined with NUL, no trailing NUL (SDK utils::serialize_property_path).
    pub fn get_property(path: &[&str]) -> Option<Vec<u8>> {
        let joined = path.join("\0");
        let (mut data, mut size) = (null_mut(), 0);
        match status(unsafe { proxy_get_property(joined.as_ptr(), joined.len(), &mut data, &mut size) }) {
            Ok(Status::Ok) => unsafe { adopt(data, size) },
            Ok(Status::NotFound) => None,
            other => panic!("unexpected status from proxy_get_property: {:?}", other),
        }
    }

    pub fn get_buffer(buffer_type: u32, start: usize, max_size: usize) -> Option<Vec<u8>> {
        let (mut data, mut size) = (null_mut(), 0);
        match status(unsafe { proxy_get_buffer_bytes(buffer_type, start, max_size, &mut data, &mut size) }) {
            Ok(Status::Ok) => unsafe { adopt(data, size) },
            Ok(Status::NotFound) => None,
            other => panic!("unexpected status from proxy_get_buffer_bytes: {:?}", other),
        }
    }

    pub fn get_header(map_type: u32, name: &str) -> Option<String> {
        let (mut data, mut size) = (null_mut(), 0);
        match status(unsafe { proxy_get_header_map_value(map_type, name.as_ptr(), name.len(), &mut data, &mut size) }) {
            Ok(Status::Ok) => Some(unsafe { adopt(data, size) }.map(|v| String::from_utf8(v).unwrap()).unwrap_or_default()),
            Ok(Status::NotFound) => None,
            other => panic!("unexpected status from proxy_get_header_map_value: {:?}", other),
        }
    }

    pub fn add_header(map_type: u32, name: &str, value: &str) {
        expect_ok("proxy_add_header_map_value", unsafe { proxy_add_header_map_value(map_type, name.as_ptr(), name.len(), value.as_ptr(), value.len()) });
    }

    pub fn replace_header(map_type: u32, name: &str, value: &str) {
        expect_ok("proxy_replace_header_map_value", unsafe { proxy_replace_header_map_value(map_type, name.as_ptr(), name.len(), value.as_ptr(), value.len()) });
    }

    pub fn remove_header(map_type: u32, name: &str) {
        expect_ok("proxy_remove_header_map_value", unsafe { proxy_remove_header_map_value(map_type, name.as_ptr(), name.len()) });
    }

    /// u32 count, (u32 key len, u32 value len) per pair, then NUL-terminated keys and values.
    fn serialize_map(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
        for (name, value) in pairs {
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&(value.len() as u32).to_le_bytes());
        }
        for (name, value) in pairs {
            bytes.extend_from_slice(name.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(value.as_bytes());
            bytes.push(0);
        }
        bytes
    }

    pub fn send_http_response(status_code: u32, headers: &[(&str, &str)], body: &str) {
        let headers = serialize_map(headers);
        expect_ok("proxy_send_local_response", unsafe {
            proxy_send_local_response(status_code, null(), 0, body.as_ptr(), body.len(), headers.as_ptr(), headers.len(), -1)
        });
    }

    pub fn get_shared_data(key: &str) -> (Option<Vec<u8>>, Option<u32>) {
        let (mut data, mut size, mut cas) = (null_mut(), 0, 0);
        match status(unsafe { proxy_get_shared_data(key.as_ptr(), key.len(), &mut data, &mut size, &mut cas) }) {
            Ok(Status::Ok) => (unsafe { adopt(data, size) }, Some(cas)),
            Ok(Status::NotFound) => (None, None),
            other => panic!("unexpected status from proxy_get_shared_data: {:?}", other),
        }
    }

    pub fn set_shared_data(key: &str, value: &[u8], cas: Option<u32>) -> Result<(), Status> {
        match status(unsafe { proxy_set_shared_data(key.as_ptr(), key.len(), value.as_ptr(), value.len(), cas.unwrap_or(0)) }) {
            Ok(Status::Ok) => Ok(()),
            Ok(Status::CasMismatch) => Err(Status::CasMismatch),
            other => panic!("unexpected status from proxy_set_shared_data: {:?}", other),
        }
    }

    pub fn dispatch_http_call(upstream: &str, headers: &[(&str, &str)], timeout_ms: u32) -> u32 {
        let headers = serialize_map(headers);
        let trailers = serialize_map(&[]);
        let mut token = 0;
        expect_ok("proxy_http_call", unsafe {
            proxy_http_call(upstream.as_ptr(), upstream.len(), headers.as_ptr(), headers.len(), null(), 0, trailers.as_ptr(), trailers.len(), timeout_ms, &mut token)
        });
        token
    }

    pub fn set_effective_context(context_id: u32) {
        expect_ok("proxy_set_effective_context", unsafe { proxy_set_effective_context(context_id) });
    }

    pub fn resume_http_request() {
        expect_ok("proxy_continue_stream", unsafe { proxy_continue_stream(STREAM_HTTP_REQUEST) });
    }

    pub fn define_metric(metric_type: u32, name: &str) -> u32 {
        let mut id = 0;
        expect_ok("proxy_define_metric", unsafe { proxy_define_metric(metric_type, name.as_ptr(), name.len(), &mut id) });
        id
    }

    pub fn increment_metric(id: u32, offset: i64) {
        expect_ok("proxy_increment_metric", unsafe { proxy_increment_metric(id, offset) });
    }
}

// ---- module exports the SDK provides (lib.rs, allocator.rs, the main! macro) ----

#[no_mangle]
pub extern "C" fn proxy_abi_version_0_2_1() {}

#[no_mangle]
pub extern "C" fn proxy_on_memory_allocate(size: usize) -> *mut u8 {
    let mut block: Vec<u8> = Vec::with_capacity(size);
    let ptr = block.as_mut_ptr();
    std::mem::forget(block);
    ptr
}

extern "C" {
    fn __wasm_call_ctors();
}

#[no_mangle]
pub extern "C" fn _initialize() {
    unsafe { __wasm_call_ctors() };
    std::panic::set_hook(Box::new(|info| hostcalls::log(LOG_CRITICAL, &info.to_string())));
}

// ---- the filter ----

struct Settings {
    authz_cluster: String,
    deny_route: Option<String>,
}

struct Metrics {
    requests: u32,
    denied: u32,
    cas_conflicts: u32,
    active_streams: u32,
}

struct Stream {
    root_id: u32,
    route: String,
    user: Option<String>,
    visits: u64,
    cas: Option<u32>,
}

thread_local! {
    // The SDK's dispatcher: contexts and callouts in std HashMaps (seeded through random_get).
    static SETTINGS: RefCell<HashMap<u32, Settings>> = RefCell::new(HashMap::new());
    static STREAMS: RefCell<HashMap<u32, Stream>> = RefCell::new(HashMap::new());
    static CALLOUTS: RefCell<HashMap<u32, u32>> = RefCell::new(HashMap::new());
    static METRICS: RefCell<Option<Metrics>> = RefCell::new(None);
    static DEBUG_ENABLED: Cell<bool> = Cell::new(false);
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock before 1970").as_secs()
}

fn count(pick: fn(&Metrics) -> u32, offset: i64) {
    METRICS.with(|m| hostcalls::increment_metric(pick(m.borrow().as_ref().expect("metrics defined in on_vm_start")), offset));
}

fn parse_settings(text: &str) -> Result<Settings, String> {
    let mut values: HashMap<&str, &str> = HashMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=').ok_or_else(|| format!("not key=value: {:?}", line))?;
        match key.trim() {
            "authz_cluster" | "deny_route" => { values.insert(key.trim(), value.trim()); }
            other => eprintln!("rust-filter: ignoring unknown setting {:?}", other),
        }
    }
    Ok(Settings {
        authz_cluster: values.get("authz_cluster").ok_or("authz_cluster is required")?.to_string(),
        deny_route: values.get("deny_route").map(|r| r.to_string()),
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_context_create(context_id: u32, parent_id: u32) {
    if parent_id == 0 {
        return;
    }
    STREAMS.with(|s| s.borrow_mut().insert(context_id, Stream { root_id: parent_id, route: String::new(), user: None, visits: 0, cas: None }));
    count(|m| m.active_streams, 1);
}

#[no_mangle]
pub extern "C" fn proxy_on_vm_start(_root_id: u32, _vm_configuration_size: usize) -> u32 {
    METRICS.with(|m| {
        *m.borrow_mut() = Some(Metrics {
            requests: hostcalls::define_metric(METRIC_COUNTER, "rust_filter_requests_total"),
            denied: hostcalls::define_metric(METRIC_COUNTER, "rust_filter_denied_total"),
            cas_conflicts: hostcalls::define_metric(METRIC_COUNTER, "rust_filter_cas_conflicts_total"),
            active_streams: hostcalls::define_metric(METRIC_GAUGE, "rust_filter_active_streams"),
        })
    });
    DEBUG_ENABLED.with(|d| d.set(hostcalls::log_level() <= 1));
    println!("rust-filter: VM started at {}", unix_seconds());
    1
}

#[no_mangle]
pub extern "C" fn proxy_on_configure(root_id: u32, configuration_size: usize) -> u32 {
    let bytes = hostcalls::get_buffer(PLUGIN_CONFIGURATION, 0, configuration_size).unwrap_or_default();
    match parse_settings(&String::from_utf8_lossy(&bytes)) {
        Ok(settings) => {
            SETTINGS.with(|s| s.borrow_mut().insert(root_id, settings));
            1
        }
        Err(message) => {
            eprintln!("rust-filter: bad configuration: {}", message);
            0
        }
    }
}

fn deny(status: u32, body: &str) -> u32 {
    hostcalls::send_http_response(status, &[("x-denied-by", "rust")], body);
    count(|m| m.denied, 1);
    ACTION_PAUSE
}

#[no_mangle]
pub extern "C" fn proxy_on_request_headers(context_id: u32, _num_headers: usize, _end_of_stream: u32) -> u32 {
    STREAMS.with(|streams| {
        let mut streams = streams.borrow_mut();
        let stream = streams.get_mut(&context_id).expect("unknown stream");
        let route = hostcalls::get_property(&["xds", "route_name"]).map(|r| String::from_utf8_lossy(&r).into_owned()).unwrap_or_else(|| "-".into());
        stream.route = route.clone();
        let (cluster, denied_route) = SETTINGS.with(|s| {
            let settings = s.borrow();
            let settings = settings.get(&stream.root_id).expect("configured root");
            (settings.authz_cluster.clone(), settings.deny_route.as_deref() == Some(route.as_str()))
        });
        if denied_route {
            return deny(403, &format!("route {} is closed\n", route));
        }
        let user = match hostcalls::get_header(REQUEST_HEADERS, "x-user") {
            Some(user) if !user.is_empty() => user,
            _ => return deny(401, "missing x-user\n"),
        };
        if hostcalls::get_header(REQUEST_HEADERS, "x-panic").is_some() {
            panic!("rust-filter: x-panic requested by {}", user);
        }
        hostcalls::remove_header(REQUEST_HEADERS, "x-internal-token");
        hostcalls::replace_header(REQUEST_HEADERS, "x-forwarded-user", &user);
        hostcalls::add_header(REQUEST_HEADERS, "x-route", &route);
        hostcalls::add_header(REQUEST_HEADERS, "x-filter", "rust");
        hostcalls::add_header(REQUEST_HEADERS, "x-started-at", &unix_seconds().to_string());

        let (value, cas) = hostcalls::get_shared_data(&format!("visits/{}", user));
        stream.visits = value.and_then(|v| String::from_utf8(v).ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        stream.cas = cas;
        count(|m| m.requests, 1);

        let path = format!("/check?user={}", user);
        let token = hostcalls::dispatch_http_call(&cluster, &[(":method", "GET"), (":path", &path), (":authority", "authz")], 1000);
        CALLOUTS.with(|c| c.borrow_mut().insert(token, context_id));
        hostcalls::log(LOG_INFO, &format!("rust-filter: checking {} on {} (callout {})", user, route, token));
        if DEBUG_ENABLED.with(Cell::get) {
            hostcalls::log(1, &format!("rust-filter: {} visits so far, cas {:?}", stream.visits, stream.cas));
        }
        stream.user = Some(user);
        ACTION_PAUSE
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_http_call_response(_root_id: u32, token: u32, num_headers: usize, body_size: usize, _num_trailers: usize) {
    // The SDK's dispatcher: find the calling stream, make it the effective context, deliver.
    let context_id = CALLOUTS.with(|c| c.borrow_mut().remove(&token)).expect("invalid token");
    hostcalls::set_effective_context(context_id);
    if num_headers == 0 {
        deny(503, "authz unavailable\n");
        return;
    }
    let status = hostcalls::get_header(HTTP_CALL_RESPONSE_HEADERS, ":status").unwrap_or_default();
    let body = hostcalls::get_buffer(HTTP_CALL_RESPONSE_BODY, 0, body_size).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    if status == "200" {
        hostcalls::add_header(REQUEST_HEADERS, "x-authz-subject", body.trim());
        hostcalls::resume_http_request();
    } else {
        deny(403, &format!("authz said {}: {}", status, body));
    }
}

#[no_mangle]
pub extern "C" fn proxy_on_response_headers(context_id: u32, _num_headers: usize, _end_of_stream: u32) -> u32 {
    STREAMS.with(|streams| {
        let streams = streams.borrow();
        let stream = streams.get(&context_id).expect("unknown stream");
        let user = match &stream.user {
            Some(user) => user,
            None => return ACTION_CONTINUE,
        };
        let next = stream.visits + 1;
        match hostcalls::set_shared_data(&format!("visits/{}", user), next.to_string().as_bytes(), stream.cas) {
            Ok(()) => hostcalls::add_header(RESPONSE_HEADERS, "x-visits", &next.to_string()),
            Err(_) => {
                hostcalls::add_header(RESPONSE_HEADERS, "x-visits-conflict", "retry");
                count(|m| m.cas_conflicts, 1);
                hostcalls::log(LOG_WARN, &format!("rust-filter: visits/{} changed since cas {:?}", user, stream.cas));
            }
        }
        ACTION_CONTINUE
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_log(context_id: u32) {
    STREAMS.with(|streams| {
        if let Some(stream) = streams.borrow().get(&context_id) {
            let status = hostcalls::get_header(RESPONSE_HEADERS, ":status").unwrap_or_else(|| "-".into());
            let user = stream.user.as_deref().unwrap_or("-");
            hostcalls::log(LOG_INFO, &format!("rust-filter: {} {} -> {}", stream.route, user, status));
        }
    });
}

#[no_mangle]
pub extern "C" fn proxy_on_done(_context_id: u32) -> u32 {
    1
}

#[no_mangle]
pub extern "C" fn proxy_on_delete(context_id: u32) {
    if STREAMS.with(|s| s.borrow_mut().remove(&context_id)).is_some() {
        count(|m| m.active_streams, -1);
    }
}

// The rest of the SDK dispatcher's exports, answering as its default trait methods do.
#[no_mangle]
pub extern "C" fn proxy_on_request_body(_context_id: u32, _body_size: usize, _end_of_stream: u32) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_request_trailers(_context_id: u32, _num_trailers: usize) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_response_body(_context_id: u32, _body_size: usize, _end_of_stream: u32) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_response_trailers(_context_id: u32, _num_trailers: usize) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_tick(_context_id: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_queue_ready(_context_id: u32, _queue_id: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_foreign_function(_context_id: u32, _function_id: u32, _arguments_size: usize) {}
#[no_mangle]
pub extern "C" fn proxy_on_grpc_receive_initial_metadata(_context_id: u32, _token: u32, _headers: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_grpc_receive(_context_id: u32, _token: u32, _response_size: usize) {}
#[no_mangle]
pub extern "C" fn proxy_on_grpc_receive_trailing_metadata(_context_id: u32, _token: u32, _trailers: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_grpc_close(_context_id: u32, _token: u32, _status_code: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_new_connection(_context_id: u32) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_downstream_data(_context_id: u32, _data_size: usize, _end_of_stream: u32) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_downstream_connection_close(_context_id: u32, _peer_type: u32) {}
#[no_mangle]
pub extern "C" fn proxy_on_upstream_data(_context_id: u32, _data_size: usize, _end_of_stream: u32) -> u32 { ACTION_CONTINUE }
#[no_mangle]
pub extern "C" fn proxy_on_upstream_connection_close(_context_id: u32, _peer_type: u32) {}
