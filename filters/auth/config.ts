// Plugin configuration of the auth filter (schema: config.schema.json; documented with an
// example in README.md). The top level holds the defaults; `routes["<route name>"]` entries
// override them section by section (a section set to null switches that method off for the
// route). A route absent from `routes` gets the defaults. Parsed once in onConfigure; every
// error names its field path, e.g. `routes["default/api"].jwt.keys[0].n: not base64url`.
import { ConfigErrors, JsonObject, parseConfigObject } from "@attache/proxy-wasm-sdk/json_view";
import { RouteMap, RouteSettingsResolver } from "@attache/proxy-wasm-sdk";
import { decodeHex } from "../crypto/base64";
import { parseJwks, VerificationKey } from "./jwks";
import { ClaimRules } from "./claims";
import { asciiLower } from "./ascii";
import { Decision, Outcome } from "./outcome";

const POLICY_FIELDS = ["disabled", "realm", "apiKeys", "basic", "jwt", "external"];

export class ApiKeyEntry {
  /** The decision for a request presenting this key, made once (it names the key). */
  readonly allowed: Decision;
  constructor(public readonly name: string, public readonly digest: Uint8Array) {
    this.allowed = new Decision(Outcome.Allowed, "api-key", "", name);
  }
}
export class ApiKeyMethod {
  header: string = "x-api-key";
  queryParameter: string = "";
  keys: ApiKeyEntry[] = [];
}

export class BasicUser {
  constructor(public readonly username: string, public readonly passwordDigest: Uint8Array) {}
}
export class BasicMethod {
  users: BasicUser[] = [];
}

export class ClaimHeader {
  constructor(public readonly claim: string, public readonly header: string) {}
}
export class JwtMethod {
  keys: VerificationKey[] = [];
  rules: ClaimRules = new ClaimRules();
  claimsToHeaders: ClaimHeader[] = [];
  /** The headers of claimsToHeaders: removed from every incoming request (spoofing). */
  claimHeaderNames: string[] = [];
}

/** Emissary AuthService semantics (docs/emissary.md), carried by an HTTP callout. */
export class ExternalAuth {
  cluster: string = "";
  /** :authority of the check request; "" sends the original request's host. */
  authority: string = "";
  pathPrefix: string = "";
  timeoutMs: u32 = 5000;
  allowedRequestHeaders: string[] = [];
  allowedAuthorizationHeaders: string[] = [];
  failureModeAllow: bool = false;
  statusOnError: u32 = 403;
}

/** Everything one route needs, resolved at configure time. */
export class Policy {
  disabled: bool = false;
  realm: string = "attache";
  apiKeys: ApiKeyMethod | null = null;
  basic: BasicMethod | null = null;
  jwt: JwtMethod | null = null;
  external: ExternalAuth | null = null;

  get hasLocalMethod(): bool { return this.apiKeys !== null || this.basic !== null || this.jwt !== null; }
}

export class AuthConfig {
  defaults: Policy = new Policy();
  routes: RouteMap<Policy> = new RouteMap<Policy>();

  /** The policy of the request's route (its settings, matched without decoding them), else the defaults. */
  policyForCurrentRoute(): Policy {
    const policy = this.routes.forCurrentRoute();
    return policy !== null ? policy : this.defaults;
  }

  /** The policy of `routeName`; routes absent from `routes` (or unnamed) get the defaults. */
  policyFor(routeName: string | null): Policy {
    const policy = routeName !== null ? this.routes.get(routeName) : null;
    return policy !== null ? policy : this.defaults;
  }
}

/** Lower-case HTTP field name (RFC 9110 §5.1 token characters), or "" after recording an error. */
function headerName(object: JsonObject, key: string, fallback: string): string {
  const value = object.getString(key, fallback);
  if (value.length == 0) { if (object.has(key)) object.errors.add(object.pathOf(key), "must not be empty"); return value; }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) { object.errors.add(object.pathOf(key), "must be a lower-case header name, got \"" + value + "\""); return ""; }
  }
  return value;
}

function sha256Hex(object: JsonObject, key: string): Uint8Array {
  const text = object.requireString(key);
  const digest = decodeHex(text);
  if (digest !== null && digest.length == 32) return digest;
  if (text.length > 0) object.errors.add(object.pathOf(key), "must be 64 hex digits (a SHA-256 digest)");
  return new Uint8Array(32);
}

function strings(object: JsonObject, key: string): string[] {
  const list = object.getArray(key);
  return list === null ? [] : list.strings();
}

/** Each object of array `key` (at least one: `what` names them in the error). */
function entries(section: JsonObject, key: string, what: string, fields: string[]): JsonObject[] {
  const out = new Array<JsonObject>();
  const list = section.getArray(key);
  if (list === null || list.length == 0) section.errors.add(section.pathOf(key), "must list at least one " + what);
  else for (let i = 0; i < list.length; i++) {
    const entry = list.getObject(i);
    if (entry === null) continue;
    entry.rejectUnknownKeys(fields);
    out.push(entry);
  }
  return out;
}

function parseApiKeys(section: JsonObject): ApiKeyMethod {
  section.rejectUnknownKeys(["header", "queryParameter", "keys"]);
  const method = new ApiKeyMethod();
  method.header = headerName(section, "header", "x-api-key");
  method.queryParameter = section.getString("queryParameter", "");
  const keys = entries(section, "keys", "key", ["name", "sha256"]);
  for (let i = 0; i < keys.length; i++) method.keys.push(new ApiKeyEntry(keys[i].requireString("name"), sha256Hex(keys[i], "sha256")));
  return method;
}

function parseBasic(section: JsonObject): BasicMethod {
  section.rejectUnknownKeys(["users"]);
  const method = new BasicMethod();
  const users = entries(section, "users", "user", ["username", "passwordSha256"]);
  for (let i = 0; i < users.length; i++) {
    const entry = users[i];
    const username = entry.requireString("username");
    if (username.indexOf(":") >= 0) entry.errors.add(entry.pathOf("username"), "must not contain ':' (RFC 7617 §2)");
    method.users.push(new BasicUser(username, sha256Hex(entry, "passwordSha256")));
  }
  return method;
}

function parseJwt(section: JsonObject): JwtMethod {
  section.rejectUnknownKeys(["keys", "issuer", "audiences", "clockSkewSeconds", "requireExpiration", "requiredClaims", "claimsToHeaders"]);
  const method = new JwtMethod();
  const keys = section.getArray("keys");
  if (keys === null) section.errors.add(section.pathOf("keys"), "is required (a JWKS \"keys\" array)");
  else method.keys = parseJwks(keys);
  const rules = method.rules;
  rules.issuer = section.getString("issuer", "");
  rules.audiences = strings(section, "audiences");
  rules.clockSkewSeconds = <f64>section.getInteger("clockSkewSeconds", 60, 0, 3600);
  rules.requireExpiration = section.getBool("requireExpiration", true);
  rules.requiredClaims = strings(section, "requiredClaims");
  const mappings = section.getArray("claimsToHeaders");
  if (mappings !== null) for (let i = 0; i < mappings.length; i++) {
    const entry = mappings.getObject(i);
    if (entry === null) continue;
    entry.rejectUnknownKeys(["claim", "header"]);
    const claim = entry.requireString("claim");
    if (!entry.has("header")) entry.errors.add(entry.pathOf("header"), "is required");
    const header = headerName(entry, "header", "");
    method.claimsToHeaders.push(new ClaimHeader(claim, header));
    method.claimHeaderNames.push(header);
  }
  return method;
}

function parseExternal(section: JsonObject): ExternalAuth {
  section.rejectUnknownKeys(["cluster", "authority", "pathPrefix", "timeoutMs", "allowedRequestHeaders", "allowedAuthorizationHeaders", "failureModeAllow", "statusOnError"]);
  const external = new ExternalAuth();
  external.cluster = section.requireString("cluster");
  external.authority = section.getString("authority", "");
  const prefix = section.getString("pathPrefix", "");
  if (prefix.length > 0 && !prefix.startsWith("/")) section.errors.add(section.pathOf("pathPrefix"), "must start with '/'");
  external.pathPrefix = prefix;
  external.timeoutMs = <u32>section.getInteger("timeoutMs", 5000, 1, 60_000);
  external.allowedRequestHeaders = lowerCased(strings(section, "allowedRequestHeaders"));
  external.allowedAuthorizationHeaders = lowerCased(strings(section, "allowedAuthorizationHeaders"));
  external.failureModeAllow = section.getBool("failureModeAllow", false);
  external.statusOnError = <u32>section.getInteger("statusOnError", 403, 400, 599);
  return external;
}

function lowerCased(names: string[]): string[] {
  for (let i = 0; i < names.length; i++) names[i] = asciiLower(names[i]);
  return names;
}

/** True when `key` is present and null: the route switches an inherited method off. */
function clears(object: JsonObject, key: string): bool {
  const raw = object.raw(key);
  return raw !== null && raw.isNull;
}

/** A policy from `object`, inheriting every section it does not mention from `base`. */
function parsePolicy(object: JsonObject, base: Policy): Policy {
  const policy = new Policy();
  policy.disabled = object.getBool("disabled", false);
  const realm = object.getString("realm", base.realm);
  if (realm.indexOf("\"") >= 0 || realm.indexOf("\\") >= 0) object.errors.add(object.pathOf("realm"), "must not contain quotes or backslashes");
  policy.realm = realm;
  let section = object.getObject("apiKeys");
  policy.apiKeys = section !== null ? parseApiKeys(section) : clears(object, "apiKeys") ? null : base.apiKeys;
  section = object.getObject("basic");
  policy.basic = section !== null ? parseBasic(section) : clears(object, "basic") ? null : base.basic;
  section = object.getObject("jwt");
  policy.jwt = section !== null ? parseJwt(section) : clears(object, "jwt") ? null : base.jwt;
  section = object.getObject("external");
  policy.external = section !== null ? parseExternal(section) : clears(object, "external") ? null : base.external;
  return policy;
}

/** The whole configuration, or null with every problem recorded in `errors`. */
export function parseAuthConfig(bytes: ArrayBuffer, errors: ConfigErrors): AuthConfig | null {
  const top = parseConfigObject(bytes, errors);
  if (top === null) return null;
  const topFields = POLICY_FIELDS.slice();
  topFields.push("routes");
  top.rejectUnknownKeys(topFields);
  const config = new AuthConfig();
  config.defaults = parsePolicy(top, new Policy());
  const routes = top.getObject("routes");
  if (routes !== null) {
    const names = routes.keys();
    for (let i = 0; i < names.length; i++) {
      const route = routes.getObject(names[i]);
      if (route === null) continue;
      route.rejectUnknownKeys(POLICY_FIELDS);
      config.routes.set(names[i], parsePolicy(route, config.defaults));
    }
  }
  config.routes.readRouteMetadata(new PolicyResolver(config.defaults));
  return errors.ok ? config : null;
}

/** A route's policy from its metadata, on the configuration's defaults (RouteMap). */
class PolicyResolver extends RouteSettingsResolver<Policy> {
  constructor(private readonly defaults: Policy) { super(); }
  resolve(route: string, settings: JsonObject): Policy | null {
    settings.rejectUnknownKeys(POLICY_FIELDS);
    return parsePolicy(settings, this.defaults);
  }
}
