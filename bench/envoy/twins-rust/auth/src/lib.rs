//! Twin of filters/auth on the Rust SDK, for the two local methods the bench measures: API
//! keys (SHA-256 of the presented key compared in constant time with every configured digest)
//! and RS256 JWTs (signature, then exp/nbf with clock skew, iss, aud, required claims, claims
//! copied to headers after removing client-sent copies). Policies are the configuration's
//! top-level defaults overridden section by section per route, as in the built-in filter.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proxy_wasm::traits::*;
use proxy_wasm::types::*;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::rc::Rc;
use std::time::UNIX_EPOCH;
use twin_common::*;

struct ApiKeys {
    header: String,
    digests: Vec<[u8; 32]>,
}

struct JwtKey {
    kid: String,
    key: VerifyingKey<Sha256>,
}

struct Jwt {
    keys: Vec<JwtKey>,
    issuer: Option<String>,
    audiences: Vec<String>,
    skew: u64,
    required: Vec<String>,
    to_headers: Vec<(String, String)>,
}

struct Policy {
    realm: String,
    api_keys: Option<ApiKeys>,
    jwt: Option<Jwt>,
    disabled: bool,
}

fn hex32(text: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return Err("sha256: expected 64 hex digits".into());
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| "sha256: not hex")?;
    }
    Ok(out)
}

fn api_keys(v: &Value) -> Result<ApiKeys, String> {
    let header = v.get("header").and_then(Value::as_str).unwrap_or("x-api-key").to_string();
    let mut digests = Vec::new();
    for key in v.get("keys").and_then(Value::as_array).ok_or("apiKeys.keys: required")? {
        digests.push(hex32(key.get("sha256").and_then(Value::as_str).ok_or("apiKeys.keys[].sha256: required")?)?);
    }
    Ok(ApiKeys { header, digests })
}

fn b64(text: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| "not base64url".to_string())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn jwt(v: &Value) -> Result<Jwt, String> {
    let mut keys = Vec::new();
    for jwk in v.get("keys").and_then(Value::as_array).ok_or("jwt.keys: required")? {
        if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
            continue; // the bench's policy has RS256 keys only
        }
        let n = BigUint::from_bytes_be(&b64(jwk.get("n").and_then(Value::as_str).ok_or("jwt.keys[].n: required")?)?);
        let e = BigUint::from_bytes_be(&b64(jwk.get("e").and_then(Value::as_str).ok_or("jwt.keys[].e: required")?)?);
        let key = RsaPublicKey::new(n, e).map_err(|e| format!("jwt.keys[]: {}", e))?;
        keys.push(JwtKey { kid: jwk.get("kid").and_then(Value::as_str).unwrap_or("").to_string(), key: VerifyingKey::new_with_prefix(key) });
    }
    let to_headers = v.get("claimsToHeaders").and_then(Value::as_array).map(|a| {
        a.iter().filter_map(|m| Some((m.get("claim")?.as_str()?.to_string(), m.get("header")?.as_str()?.to_string()))).collect()
    });
    Ok(Jwt {
        keys,
        issuer: v.get("issuer").and_then(Value::as_str).map(str::to_string),
        audiences: strings(v.get("audiences")),
        skew: v.get("clockSkewSeconds").and_then(Value::as_u64).unwrap_or(60),
        required: strings(v.get("requiredClaims")),
        to_headers: to_headers.unwrap_or_default(),
    })
}

/// A section of the route's policy: the route's own (null switches it off), else the default.
fn section<T>(top: &Map<String, Value>, route: &Map<String, Value>, name: &str, parse: fn(&Value) -> Result<T, String>) -> Result<Option<T>, String> {
    match field(top, route, name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => parse(v).map(Some),
    }
}

fn policy(_name: &str, top: &Map<String, Value>, route: &Map<String, Value>) -> Result<Policy, String> {
    Ok(Policy {
        realm: field(top, route, "realm").and_then(Value::as_str).unwrap_or("attache").to_string(),
        api_keys: section(top, route, "apiKeys", api_keys)?,
        jwt: section(top, route, "jwt", jwt)?,
        disabled: field(top, route, "disabled").and_then(Value::as_bool).unwrap_or(false),
    })
}

struct Config {
    routes: RouteMap<Policy>,
    defaults: Policy,
}

thread_local! {
    static COUNTERS: (Counter, Counter) = (Counter::define("auth_allowed"), Counter::define("auth_denied"));
}

struct Root {
    config: Rc<Option<Config>>,
}

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { config: Rc::new(None) }) });
}}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let parsed = configuration_object(self.get_plugin_configuration()).and_then(|top| {
            Ok(Config { routes: RouteMap::parse_named(&top, policy)?, defaults: policy("", &top, &Map::new())? })
        });
        match parsed {
            Ok(config) => {
                self.config = Rc::new(Some(config));
                true
            }
            Err(e) => {
                proxy_wasm::hostcalls::log(LogLevel::Error, &format!("auth: invalid configuration: {}", e)).ok();
                false
            }
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream { config: self.config.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    config: Rc<Option<Config>>,
}

impl Context for Stream {}

/// Constant-time comparison with every digest (no early exit on a match).
fn key_matches(keys: &ApiKeys, presented: &[u8]) -> bool {
    let digest = Sha256::digest(presented);
    let mut matched = false;
    for expected in &keys.digests {
        let mut diff = 0u8;
        for (a, b) in expected.iter().zip(digest.iter()) {
            diff |= a ^ b;
        }
        matched |= diff == 0;
    }
    matched
}

/// The claim as a header value: strings as is, numbers as written, string arrays joined with ",".
fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => a.iter().map(|s| s.as_str()).collect::<Option<Vec<_>>>().map(|v| v.join(",")),
        _ => None,
    }
}

/// Checks an RS256 token; the claims to copy, or the reason and status of the refusal.
fn check_jwt(policy: &Jwt, token: &str, now: u64) -> Result<Vec<(String, String)>, (u32, &'static str)> {
    let mut parts = token.split('.');
    let (head, body, sig) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(b), Some(s), None) => (h, b, s),
        _ => return Err((401, "malformed token")),
    };
    let header: Value = b64(head).ok().and_then(|h| serde_json::from_slice(&h).ok()).ok_or((401, "malformed token: header"))?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err((401, "unsupported token algorithm"));
    }
    if header.get("crit").is_some() {
        return Err((401, "unsupported critical header parameters"));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let signature = b64(sig).ok().and_then(|s| Signature::try_from(s.as_slice()).ok()).ok_or((401, "malformed token: signature"))?;
    let input = &token.as_bytes()[..head.len() + 1 + body.len()];
    let verified = policy.keys.iter().filter(|k| kid.map_or(true, |kid| kid == k.kid)).any(|k| k.key.verify(input, &signature).is_ok());
    if !verified {
        return Err((401, "invalid token signature"));
    }
    let claims: Value = b64(body).ok().and_then(|c| serde_json::from_slice(&c).ok()).ok_or((401, "malformed token: claims"))?;
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if now >= exp + policy.skew => return Err((401, "token expired")),
        None => return Err((401, "token has no expiration")),
        _ => {}
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_u64) {
        if now + policy.skew < nbf {
            return Err((401, "token not yet valid"));
        }
    }
    if let Some(issuer) = &policy.issuer {
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
            return Err((401, "token issuer not accepted"));
        }
    }
    if !policy.audiences.is_empty() {
        let accepted = |a: &Value| a.as_str().map_or(false, |a| policy.audiences.iter().any(|x| x == a));
        let ok = match claims.get("aud") {
            Some(Value::Array(list)) => list.iter().any(accepted),
            Some(one) => accepted(one),
            None => false,
        };
        if !ok {
            return Err((401, "token audience not accepted"));
        }
    }
    if policy.required.iter().any(|c| claims.get(c).is_none()) {
        return Err((403, "missing required claim"));
    }
    Ok(policy.to_headers.iter().filter_map(|(claim, header)| Some((header.clone(), claim_text(claims.get(claim)?)?))).collect())
}

impl Stream {
    fn deny(&self, status: u32, reason: &str, challenge: &str) -> Action {
        COUNTERS.with(|c| c.1.increment());
        let body = format!("{{\"error\":\"{}\",\"reason\":\"{}\"}}", if status == 403 { "forbidden" } else { "unauthorized" }, reason);
        self.send_http_response(status, vec![("www-authenticate", challenge), ("content-type", "application/json")], Some(body.as_bytes()));
        Action::Pause
    }
}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _n: usize, _eos: bool) -> Action {
        let config = match self.config.as_ref() {
            Some(c) => c,
            None => return Action::Continue,
        };
        let found = config.routes.for_current_route();
        let policy: &Policy = found.as_deref().unwrap_or(&config.defaults);
        if policy.disabled || (policy.api_keys.is_none() && policy.jwt.is_none()) {
            return Action::Continue;
        }
        if let Some(jwt) = &policy.jwt {
            for (_, header) in &jwt.to_headers {
                self.set_http_request_header(header, None);
            }
        }
        if let Some(keys) = &policy.api_keys {
            if let Some(presented) = self.get_http_request_header_bytes(&keys.header) {
                if key_matches(keys, &presented) {
                    COUNTERS.with(|c| c.0.increment());
                    return Action::Continue;
                }
                return self.deny(401, "invalid api key", &format!("ApiKey realm=\"{}\", header=\"{}\"", policy.realm, keys.header));
            }
        }
        if let Some(jwt) = &policy.jwt {
            if let Some(token) = self.get_http_request_header("authorization").and_then(|a| a.strip_prefix("Bearer ").map(str::to_string)) {
                let now = self.get_current_time().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                return match check_jwt(jwt, &token, now) {
                    Ok(headers) => {
                        for (name, value) in headers {
                            self.set_http_request_header(&name, Some(&value));
                        }
                        COUNTERS.with(|c| c.0.increment());
                        Action::Continue
                    }
                    Err((status, reason)) => self.deny(status, reason, &format!("Bearer realm=\"{}\", error=\"invalid_token\"", policy.realm)),
                };
            }
        }
        self.deny(401, "missing credentials", &format!("Bearer realm=\"{}\"", policy.realm))
    }
}
