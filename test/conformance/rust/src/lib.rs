//! Conformance module on the official Rust proxy-wasm SDK. The request header `x-case` picks
//! what it does; everything it learns goes to the log (one line per fact), so the harness can
//! compare the two hosts line by line:
//!   headers   log the request headers the SDK returns, add x-added, replace x-replace, remove
//!             x-remove; on the response add x-resp-added
//!   local     send_http_response(418) with x-local and a body, and Pause
//!   callout   dispatch_http_call to "upstream", Pause; from the answer add x-callout-status and
//!             x-callout-body, then resume
//!   body      drop content-length (the headers go upstream before the body is changed), read
//!             the whole request body (buffered), log it, replace it with "replaced"
//!   properties log request.path, request.method, xds.route_name, plugin_name, request.protocol
//!   shared    shared data: CAS on a missing key, set, stale CAS, read back
//!   metrics   a counter and a gauge (defined at configure), read back
//!   panic     panic! in on_http_request_headers (the SDK's panic hook, then a trap)
use proxy_wasm::hostcalls;
use proxy_wasm::traits::*;
use proxy_wasm::types::*;
use std::time::Duration;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { counter: 0, gauge: 0 }) });
}}

fn info(message: &str) {
    let _ = hostcalls::log(LogLevel::Info, message);
}

struct Root {
    counter: u32,
    gauge: u32,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        self.counter = hostcalls::define_metric(MetricType::Counter, "rust_requests").unwrap_or(0);
        self.gauge = hostcalls::define_metric(MetricType::Gauge, "rust_gauge").unwrap_or(0);
        true
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream { case: String::new(), counter: self.counter, gauge: self.gauge }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    case: String,
    counter: u32,
    gauge: u32,
}

fn text(bytes: Option<Bytes>) -> String {
    bytes.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "<none>".to_string())
}

impl Stream {
    fn shared(&self) {
        let key = "rust-shared";
        info(&format!("cas on a missing key: {:?}", self.set_shared_data(key, Some(b"first"), Some(7))));
        let (value, cas) = self.get_shared_data(key);
        info(&format!("read {} cas {}", text(value), cas.is_some()));
        info(&format!("set with its cas: {:?}", self.set_shared_data(key, Some(b"second"), cas)));
        info(&format!("stale cas: {:?}", self.set_shared_data(key, Some(b"third"), cas)));
        info(&format!("now {}", text(self.get_shared_data(key).0)));
    }

    fn metrics(&self) {
        let _ = hostcalls::increment_metric(self.counter, 2);
        let _ = hostcalls::record_metric(self.gauge, 42);
        info(&format!("counter {:?} gauge {:?}", hostcalls::get_metric(self.counter), hostcalls::get_metric(self.gauge)));
    }
}

impl Context for Stream {
    fn on_http_call_response(&mut self, _token: u32, _headers: usize, body_size: usize, _trailers: usize) {
        let status = self.get_http_call_response_header(":status").unwrap_or_default();
        let body = text(self.get_http_call_response_body(0, body_size));
        info(&format!("callout answered {} {}", status, body));
        self.add_http_request_header("x-callout-status", &status);
        self.add_http_request_header("x-callout-body", &body);
        self.resume_http_request();
    }
}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _count: usize, _end_of_stream: bool) -> Action {
        self.case = self.get_http_request_header("x-case").unwrap_or_default();
        let _ = hostcalls::increment_metric(self.counter, 1);
        match self.case.as_str() {
            "headers" => {
                let seen: Vec<String> = self
                    .get_http_request_headers()
                    .into_iter()
                    .filter(|(k, _)| k != "x-request-id" && k != "x-forwarded-proto")
                    .map(|(k, v)| format!("{}={}", k, v))
                    .collect();
                info(&format!("request headers: {}", seen.join(";")));
                self.add_http_request_header("x-added", "1");
                self.set_http_request_header("x-replace", Some("new"));
                self.set_http_request_header("x-remove", None);
                Action::Continue
            }
            "local" => {
                self.send_http_response(418, vec![("x-local", "1")], Some(b"teapot"));
                Action::Pause
            }
            "callout" => {
                let headers = vec![(":method", "GET"), (":path", "/callout"), (":authority", "upstream"), ("x-echo-body", "called")];
                match self.dispatch_http_call("upstream", headers, None, vec![], Duration::from_secs(2)) {
                    Ok(_) => Action::Pause,
                    Err(status) => {
                        info(&format!("dispatch failed {:?}", status));
                        Action::Continue
                    }
                }
            }
            "body" => {
                self.set_http_request_header("content-length", None);
                Action::Continue
            }
            "properties" => {
                for path in [vec!["request", "path"], vec!["request", "method"], vec!["xds", "route_name"], vec!["plugin_name"], vec!["request", "protocol"]] {
                    info(&format!("{}: {}", path.join("."), text(self.get_property(path.clone()))));
                }
                Action::Continue
            }
            "shared" => {
                self.shared();
                Action::Continue
            }
            "metrics" => {
                self.metrics();
                Action::Continue
            }
            "panic" => panic!("the panic case"),
            _ => Action::Continue,
        }
    }

    fn on_http_request_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        if self.case != "body" {
            return Action::Continue;
        }
        if !end_of_stream {
            return Action::Pause;
        }
        info(&format!("request body: {}", text(self.get_http_request_body(0, size))));
        self.set_http_request_body(0, size, b"replaced");
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _count: usize, _end_of_stream: bool) -> Action {
        if self.case == "headers" {
            self.add_http_response_header("x-resp-added", "1");
        }
        if self.case == "local" {
            info(&format!("local reply status {}", self.get_http_response_header(":status").unwrap_or_default()));
        }
        Action::Continue
    }
}
