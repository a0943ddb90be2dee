// Plugin configuration of the auth filter (schema: config.schema.json; documented with an
// example in README.md). The top level holds the defaults; `routes["<route name>"]` entries
// override them section by section (a section set to null switches that method off for the
// route). A route absent from `routes` gets the defaults. Parsed once in onConfigure; every
// error names its field path, e.g. `routes["default/api"].jwt.keys[0].n: not base64url`.
import { ConfigErrors, JsonObject, parseConfigObject } from "../sdk/json_view";
import { decodeHex } from "../crypto/base64";
import { parseJwks, VerificationKey } from "./jwks";
import { ClaimRules } from "./claims";
import { asciiLower } from "./ascii";

const POLICY_FIELDS = ["disabled", "realm", "apiKeys", "basic", "jwt", "external"];
const TOP_FIELDS = ["disabled", "realm", "apiKeys", "basic", "jwt", "external", "routes"];

export class ApiKeyEntry {
  constructor(public readonly name: string, public readonly digest: Uint8Array) {}
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
}

/** Emissary AuthService semantics (reference/emissary.md), carried by an HTTP callout. */
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
  routes: Map<string, Policy> = new Map();

  /** The route's policy; routes absent from `routes` (or unnamed) get the defaults. */
  policyFor(routeName: string | null): Policy {
    if (routeName !== null && this.routes.has(routeName)) return this.routes.get(routeName);
    return this.defaults;
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
  if (text.length > 0 && (digest === null || digest.length != 32)) {
    object.errors.add(object.pathOf(key), "must be 64 hex digits (a SHA-256 digest)");
    return new Uint8Array(32);
  }
  return digest !== null ? digest : new Uint8Array(32);
}

function strings(object: JsonObject, key: string): string[] {
  const list = object.getArray(key);
  return list === null ? new Array<string>() : list.strings();
}

function parseApiKeys(section: JsonObject): ApiKeyMethod {
  section.rejectUnknownKeys(["header", "queryParameter", "keys"]);
  const method = new ApiKeyMethod();
  method.header = headerName(section, "header", "x-api-key");
  method.queryParameter = section.getString("queryParameter", "");
  const keys = section.getArray("keys");
  if (keys === null || keys.length == 0) section.errors.add(section.pathOf("keys"), "must list at least one key");
  else for (let i = 0; i < keys.length; i++) {
    const entry = keys.getObject(i);
    if (entry === null) continue;
    entry.rejectUnknownKeys(["name", "sha256"]);
    method.keys.push(new ApiKeyEntry(entry.requireString("name"), sha256Hex(entry, "sha256")));
  }
  return method;
}

function parseBasic(section: JsonObject): BasicMethod {
  section.rejectUnknownKeys(["users"]);
  const method = new BasicMethod();
  const users = section.getArray("users");
  if (users === null || users.length == 0) section.errors.add(section.pathOf("users"), "must list at least one user");
  else for (let i = 0; i < users.length; i++) {
    const entry = users.getObject(i);
    if (entry === null) continue;
    entry.rejectUnknownKeys(["username", "passwordSha256"]);
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
    method.claimsToHeaders.push(new ClaimHeader(claim, headerName(entry, "header", "")));
  }
  return method;
}

function parseExternal(section: JsonObject): ExternalAuth {
  section.rejectUnknownKeys(["cluster", "authority", "pathPrefix", "timeoutMs", "allowedRequestHeaders", "allowedAuthorizationHeaders", "failureModeAllow", "statusOnError"]);
  const external = new ExternalAuth();
  external.cluster = section.requireString("cluster");
  external.authority = section.getString("authority", "");
  external.pathPrefix = section.getString("pathPrefix", "");
  if (external.pathPrefix.length > 0 && !external.pathPrefix.startsWith("/")) section.errors.add(section.pathOf("pathPrefix"), "must start with '/'");
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
function parsePolicy(object: JsonObject, base: Policy | null): Policy {
  const policy = new Policy();
  if (base !== null) {
    policy.realm = base.realm;
    policy.apiKeys = base.apiKeys; policy.basic = base.basic; policy.jwt = base.jwt; policy.external = base.external;
  }
  policy.disabled = object.getBool("disabled", false);
  policy.realm = object.getString("realm", policy.realm);
  if (policy.realm.indexOf("\"") >= 0 || policy.realm.indexOf("\\") >= 0) object.errors.add(object.pathOf("realm"), "must not contain quotes or backslashes");
  let section = object.getObject("apiKeys");
  if (section !== null) policy.apiKeys = parseApiKeys(section); else if (clears(object, "apiKeys")) policy.apiKeys = null;
  section = object.getObject("basic");
  if (section !== null) policy.basic = parseBasic(section); else if (clears(object, "basic")) policy.basic = null;
  section = object.getObject("jwt");
  if (section !== null) policy.jwt = parseJwt(section); else if (clears(object, "jwt")) policy.jwt = null;
  section = object.getObject("external");
  if (section !== null) policy.external = parseExternal(section); else if (clears(object, "external")) policy.external = null;
  return policy;
}

/** The whole configuration, or null with every problem recorded in `errors`. */
export function parseAuthConfig(bytes: ArrayBuffer, errors: ConfigErrors): AuthConfig | null {
  const top = parseConfigObject(bytes, errors);
  if (top === null) return null;
  top.rejectUnknownKeys(TOP_FIELDS);
  const config = new AuthConfig();
  config.defaults = parsePolicy(top, null);
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
  return errors.ok ? config : null;
}

