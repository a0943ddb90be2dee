//! Twin of filters/canary on the Rust SDK: the first present key source (header, cookie,
//! client address) hashed with FNV-1a 64 + fmix64, written in decimal into the header the
//! route's WeightedCluster.header_name reads, then Envoy's `clear_route_cache` so the weighted
//! cluster is picked again with it; `x-canary: always|never` overrides.
use proxy_wasm::traits::*;
use proxy_wasm::types::*;
use serde_json::{Map, Value};
use std::rc::Rc;
use twin_common::*;

enum Source {
    Header(String),
    Cookie(String),
    ClientAddress,
}

struct CanaryRoute {
    hash_header: String,
    sources: Vec<Source>,
    total_weight: u64,
    canary_weight: u64,
    override_header: String,
}

fn canary_route(_name: &str, top: &Map<String, Value>, route: &Map<String, Value>) -> Result<CanaryRoute, String> {
    let text = |name: &str, default: &str| -> Result<String, String> {
        match field(top, route, name) {
            Some(v) => v.as_str().map(str::to_string).ok_or_else(|| format!("{}: expected a string", name)),
            None => Ok(default.to_string()),
        }
    };
    let total_weight = field(top, route, "totalWeight").and_then(Value::as_u64).unwrap_or(100);
    let canary_weight = field(top, route, "canaryWeight").and_then(Value::as_u64).ok_or("canaryWeight: required")?;
    if canary_weight > total_weight {
        return Err(format!("canaryWeight: must not exceed totalWeight ({})", total_weight));
    }
    let mut sources = Vec::new();
    match field(top, route, "keySources") {
        Some(list) => {
            for source in list.as_array().ok_or("keySources: expected an array")? {
                let s = source.as_str().ok_or("keySources: expected strings")?;
                sources.push(if s == "clientAddress" {
                    Source::ClientAddress
                } else if let Some(h) = s.strip_prefix("header:") {
                    Source::Header(h.to_string())
                } else if let Some(c) = s.strip_prefix("cookie:") {
                    Source::Cookie(c.to_string())
                } else {
                    return Err(format!("keySources: unknown source {:?}", s));
                });
            }
        }
        None => sources.push(Source::ClientAddress),
    }
    Ok(CanaryRoute { hash_header: text("hashHeader", "x-attache-canary-hash")?, sources, total_weight, canary_weight, override_header: text("overrideHeader", "x-canary")? })
}

thread_local! {
    static ASSIGNED: (Counter, Counter) = (Counter::define("canary_assigned_canary"), Counter::define("canary_assigned_primary"));
}

struct Root {
    routes: Rc<Option<RouteMap<CanaryRoute>>>,
}

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { routes: Rc::new(None) }) });
}}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        match configuration_object(self.get_plugin_configuration()).and_then(|top| RouteMap::parse_named(&top, canary_route)) {
            Ok(routes) => {
                self.routes = Rc::new(Some(routes));
                true
            }
            Err(e) => {
                proxy_wasm::hostcalls::log(LogLevel::Error, &format!("canary: invalid configuration: {}", e)).ok();
                false
            }
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream { routes: self.routes.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    routes: Rc<Option<RouteMap<CanaryRoute>>>,
}

impl Context for Stream {}

fn cookie(header: &[u8], name: &str) -> Option<Vec<u8>> {
    for pair in header.split(|&b| b == b';') {
        let pair = pair.strip_prefix(b" ").unwrap_or(pair);
        if pair.len() > name.len() && pair.starts_with(name.as_bytes()) && pair[name.len()] == b'=' {
            return Some(pair[name.len() + 1..].to_vec());
        }
    }
    None
}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _n: usize, _eos: bool) -> Action {
        let routes = match self.routes.as_ref() {
            Some(r) => r,
            None => return Action::Continue,
        };
        let route = match routes.for_current_route() {
            Some(r) => r,
            None => return Action::Continue,
        };
        let forced = if route.override_header.is_empty() {
            None
        } else {
            match self.get_http_request_header_bytes(&route.override_header).as_deref() {
                Some(b"always") => Some(0),
                Some(b"never") => Some(route.total_weight - 1),
                _ => None,
            }
        };
        let value = forced.or_else(|| {
            route.sources.iter().find_map(|source| {
                let key = match source {
                    Source::Header(name) => self.get_http_request_header_bytes(name),
                    Source::Cookie(name) => self.get_http_request_header_bytes("cookie").and_then(|c| cookie(&c, name)),
                    Source::ClientAddress => client_address(),
                };
                key.filter(|k| !k.is_empty()).map(|k| fmix64(fnv1a64_append(FNV_START, &k)))
            })
        });
        match value {
            Some(v) => {
                self.set_http_request_header(&route.hash_header, Some(&v.to_string()));
                ASSIGNED.with(|(canary, primary)| if v % route.total_weight < route.canary_weight { canary.increment() } else { primary.increment() });
            }
            None => self.set_http_request_header(&route.hash_header, None),
        }
        let _ = self.call_foreign_function("clear_route_cache", None);
        Action::Continue
    }
}
