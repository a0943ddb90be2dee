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

/// How a filter builds one route's value from (route name, defaults, route settings).
pub type Make<T> = fn(&str, &Map<String, Value>, &Map<String, Value>) -> Result<T, String>;

/// Per-route settings, as filters/sdk/route_map.ts finds them: the configuration's `routes`
/// entry for the route name, else the route's metadata
/// (`xds.route_metadata.filter_metadata.attache.wasm.<plugin name>`, JSON text), parsed once per
/// route name and text.
pub struct RouteMap<T> {
    routes: HashMap<Vec<u8>, std::rc::Rc<T>>,
    top: Map<String, Value>,
    make: Make<T>,
    from_metadata: std::cell::RefCell<HashMap<Vec<u8>, std::rc::Rc<T>>>,
    plugin: std::cell::RefCell<Option<String>>,
}

impl<T> RouteMap<T> {
    /// Builds every entry of `top.routes` with `make(name, defaults, route settings)`.
    pub fn parse_named(top: &Map<String, Value>, make: Make<T>) -> Result<Self, String> {
        let mut routes = HashMap::new();
        if let Some(entries) = top.get("routes") {
            let entries = entries.as_object().ok_or("routes: expected an object")?;
            for (name, settings) in entries {
                let settings = settings.as_object().ok_or_else(|| format!("routes[{:?}]: expected an object", name))?;
                let value = make(name, top, settings).map_err(|e| format!("routes[{:?}].{}", name, e))?;
                routes.insert(name.as_bytes().to_vec(), std::rc::Rc::new(value));
            }
        }
        Ok(RouteMap { routes, top: top.clone(), make, from_metadata: Default::default(), plugin: Default::default() })
    }

    pub fn for_current_route(&self) -> Option<std::rc::Rc<T>> {
        let name = route_name()?;
        if let Some(value) = self.routes.get(&name) {
            return Some(value.clone());
        }
        let plugin = self.plugin.borrow_mut().get_or_insert_with(|| {
            hostcalls::get_property(vec!["plugin_name"]).ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
        }).clone();
        let text = hostcalls::get_property(vec!["xds", "route_metadata", "filter_metadata", "attache.wasm", &plugin]).ok().flatten()?;
        let mut key = name.clone();
        key.push(b'\n');
        key.extend_from_slice(&text);
        if let Some(value) = self.from_metadata.borrow().get(&key) {
            return Some(value.clone());
        }
        let settings = match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Object(settings)) => settings,
            _ => return None,
        };
        let value = std::rc::Rc::new((self.make)(&String::from_utf8_lossy(&name), &self.top, &settings).ok()?);
        self.from_metadata.borrow_mut().insert(key, value.clone());
        Some(value)
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
