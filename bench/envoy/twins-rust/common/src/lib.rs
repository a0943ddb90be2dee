//! What the twins share, mirroring filters/sdk: per-route settings keyed by `xds.route_name`
//! (the `routes` object of the plugin configuration), the key hash of filters/sdk/hash64.ts,
//! and counters.
use proxy_wasm::hostcalls;
use proxy_wasm::types::MetricType;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The request's route name as the host has it (bytes, not decoded).
pub fn route_name() -> Option<Vec<u8>> {
    hostcalls::get_property(vec!["xds", "route_name"]).ok().flatten()
}

/// Per-route settings, looked up by the route name's bytes.
pub struct RouteMap<T> {
    routes: HashMap<Vec<u8>, T>,
}

impl<T> RouteMap<T> {
    /// Builds every entry of `top.routes` with `make(defaults, route settings)`.
    pub fn parse_named(top: &Map<String, Value>, make: impl Fn(&str, &Map<String, Value>, &Map<String, Value>) -> Result<T, String>) -> Result<Self, String> {
        let mut routes = HashMap::new();
        if let Some(entries) = top.get("routes") {
            let entries = entries.as_object().ok_or("routes: expected an object")?;
            for (name, settings) in entries {
                let settings = settings.as_object().ok_or_else(|| format!("routes[{:?}]: expected an object", name))?;
                let value = make(name, top, settings).map_err(|e| format!("routes[{:?}].{}", name, e))?;
                routes.insert(name.as_bytes().to_vec(), value);
            }
        }
        Ok(RouteMap { routes })
    }

    pub fn for_current_route(&self) -> Option<&T> {
        self.routes.get(&route_name()?)
    }
}

/// The plugin configuration as a JSON object.
pub fn configuration_object(bytes: Option<Vec<u8>>) -> Result<Map<String, Value>, String> {
    let bytes = bytes.unwrap_or_default();
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(top)) => Ok(top),
        Ok(_) => Err("configuration: expected a JSON object".into()),
        Err(e) => Err(format!("configuration: {}", e)),
    }
}

/// A field of the route's settings, else of the top-level defaults.
pub fn field<'a>(top: &'a Map<String, Value>, route: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    route.get(name).or_else(|| top.get(name))
}

const FNV_OFFSET_BASIS: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

pub const FNV_START: u64 = FNV_OFFSET_BASIS;

pub fn fnv1a64_append(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ b as u64).wrapping_mul(FNV_PRIME);
    }
    hash
}

pub fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51afd7ed558ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ceb9fe1a85ec53);
    k ^= k >> 33;
    k
}

pub struct Counter(Option<u32>);

impl Counter {
    pub fn define(name: &str) -> Counter {
        Counter(hostcalls::define_metric(MetricType::Counter, name).ok())
    }
    pub fn increment(&self) {
        if let Some(id) = self.0 {
            let _ = hostcalls::increment_metric(id, 1);
        }
    }
}

/// `source.address` without its port.
pub fn client_address() -> Option<Vec<u8>> {
    let mut address = hostcalls::get_property(vec!["source", "address"]).ok().flatten()?;
    if let Some(colon) = address.iter().rposition(|&b| b == b':') {
        let bracketed = address.first() == Some(&b'[');
        if bracketed || !address[..colon].contains(&b':') {
            address.truncate(colon);
            if bracketed && address.len() > 1 {
                address = address[1..address.len() - 1].to_vec();
            }
        }
    }
    Some(address)
}
