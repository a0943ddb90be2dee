//! Twin of filters/ratelimit on the Rust SDK: GCRA token bucket per key (route name + keyBy
//! parts, FNV-1a 64 + fmix64), stored in shared data slot `attache.ratelimit/<n>` as 16 bytes
//! (fingerprint, tat), compare-and-swap with up to 8 attempts, 429 with RateLimit-* headers.
use proxy_wasm::traits::*;
use proxy_wasm::types::*;
use serde_json::{Map, Value};
use std::time::UNIX_EPOCH;
use twin_common::*;

const MAX_CAS_ATTEMPTS: usize = 8;

enum KeyPart {
    ClientAddress,
    Header(String),
}

struct RouteLimit {
    key_state: u64,
    key_by: Vec<KeyPart>,
    emission_nanos: u64,
    window_nanos: u64,
    burst: u64,
    response_headers: bool,
}

fn interval_nanos(text: &str) -> Result<u64, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let value: u64 = digits.parse().map_err(|_| format!("interval: invalid duration {:?}", text))?;
    let unit: u64 = match &text[digits.len()..] {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(format!("interval: invalid duration {:?}", text)),
    };
    Ok(value * unit)
}

fn route_limit(name: &str, top: &Map<String, Value>, route: &Map<String, Value>) -> Result<RouteLimit, String> {
    let requests = field(top, route, "requests").and_then(Value::as_u64).ok_or("requests: must be a positive integer")?;
    if requests == 0 || requests > 1_000_000 {
        return Err("requests: must be a positive integer (at most 1000000)".into());
    }
    let interval = match field(top, route, "interval") {
        Some(v) => interval_nanos(v.as_str().ok_or("interval: expected a string")?)?,
        None => 1_000_000_000,
    };
    let burst = field(top, route, "burst").and_then(Value::as_u64).unwrap_or(requests);
    let mut key_by = Vec::new();
    if let Some(parts) = field(top, route, "keyBy") {
        for part in parts.as_array().ok_or("keyBy: expected an array")? {
            let text = part.as_str().ok_or("keyBy: expected strings")?;
            key_by.push(if text == "clientAddress" {
                KeyPart::ClientAddress
            } else if let Some(header) = text.strip_prefix("header:") {
                KeyPart::Header(header.to_string())
            } else {
                return Err(format!("keyBy: unknown part {:?}", text));
            });
        }
    }
    let emission = (interval / requests).max(1);
    Ok(RouteLimit {
        key_state: fnv1a64_append(FNV_START, name.as_bytes()),
        key_by,
        emission_nanos: emission,
        window_nanos: emission * burst,
        burst,
        response_headers: field(top, route, "responseHeaders").and_then(Value::as_bool).unwrap_or(false),
    })
}

struct Config {
    routes: RouteMap<RouteLimit>,
    max_keys: u64,
}

struct Root {
    config: std::rc::Rc<Option<Config>>,
}

struct Counters {
    allowed: Counter,
    limited: Counter,
}

thread_local! {
    static COUNTERS: Counters = Counters { allowed: Counter::define("ratelimit_allowed"), limited: Counter::define("ratelimit_limited") };
}

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { config: std::rc::Rc::new(None) }) });
}}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let parsed = configuration_object(self.get_plugin_configuration()).and_then(|top| {
            let max_keys = top.get("maxKeys").and_then(Value::as_u64).unwrap_or(10_000);
            let routes = RouteMap::parse_named(&top, route_limit)?;
            Ok(Config { routes, max_keys })
        });
        match parsed {
            Ok(config) => {
                self.config = std::rc::Rc::new(Some(config));
                true
            }
            Err(e) => {
                proxy_wasm::hostcalls::log(LogLevel::Error, &format!("ratelimit: invalid configuration: {}", e)).ok();
                false
            }
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream { config: self.config.clone(), headers: None }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    config: std::rc::Rc<Option<Config>>,
    /// RateLimit-Limit/Remaining/Reset for the response of an allowed request.
    headers: Option<(u64, u64, u64)>,
}

impl Context for Stream {}

fn ceil_seconds(nanos: u64) -> u64 {
    (nanos + 999_999_999) / 1_000_000_000
}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _n: usize, _eos: bool) -> Action {
        let config = match self.config.as_ref() {
            Some(c) => c,
            None => return Action::Continue,
        };
        let route = match config.routes.for_current_route() {
            Some(r) => r,
            None => return Action::Continue,
        };
        let mut hash = route.key_state;
        for part in &route.key_by {
            let value = match part {
                KeyPart::ClientAddress => client_address(),
                KeyPart::Header(name) => self.get_http_request_header_bytes(name),
            };
            hash = fnv1a64_append(hash, b"\n");
            hash = fnv1a64_append(hash, value.as_deref().unwrap_or(&[]));
        }
        let fingerprint = fmix64(hash);
        let key = format!("attache.ratelimit/{}", fingerprint % config.max_keys);
        let now = self.get_current_time().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
        for _ in 0..MAX_CAS_ATTEMPTS {
            let (value, cas) = self.get_shared_data(&key);
            let (mut owner, mut tat) = (fingerprint, 0u64);
            if let Some(v) = value.filter(|v| v.len() == 16) {
                let (f, t) = (u64::from_le_bytes(v[..8].try_into().unwrap()), u64::from_le_bytes(v[8..].try_into().unwrap()));
                if f == fingerprint || t > now {
                    owner = f;
                    tat = t;
                }
            }
            let next = tat.max(now) + route.emission_nanos;
            let ahead = next - now;
            if ahead > route.window_nanos {
                COUNTERS.with(|c| c.limited.increment());
                let retry = ceil_seconds(ahead - route.window_nanos).to_string();
                let reset = ceil_seconds(tat.saturating_sub(now)).to_string();
                let limit = route.burst.to_string();
                let body = format!("{{\"error\":\"rate_limited\",\"message\":\"too many requests\",\"retryAfterSeconds\":{}}}", retry);
                self.send_http_response(429, vec![("retry-after", &retry), ("ratelimit-limit", &limit), ("ratelimit-remaining", "0"),
                    ("ratelimit-reset", &reset), ("content-type", "application/json")], Some(body.as_bytes()));
                return Action::Pause;
            }
            let mut record = [0u8; 16];
            record[..8].copy_from_slice(&owner.to_le_bytes());
            record[8..].copy_from_slice(&next.to_le_bytes());
            if self.set_shared_data(&key, Some(&record), Some(cas.unwrap_or(0))).is_ok() {
                COUNTERS.with(|c| c.allowed.increment());
                if route.response_headers {
                    self.headers = Some((route.burst, (route.window_nanos - ahead) / route.emission_nanos, ceil_seconds(ahead)));
                }
                return Action::Continue;
            }
        }
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _n: usize, _eos: bool) -> Action {
        if let Some((limit, remaining, reset)) = self.headers {
            self.set_http_response_header("ratelimit-limit", Some(&limit.to_string()));
            self.set_http_response_header("ratelimit-remaining", Some(&remaining.to_string()));
            self.set_http_response_header("ratelimit-reset", Some(&reset.to_string()));
        }
        Action::Continue
    }
}
