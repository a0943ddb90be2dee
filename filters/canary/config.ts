// Plugin configuration of the canary filter (schema: config.schema.json, documented with an
// example in README.md). Top-level fields are defaults that every entry of `routes` inherits;
// a route absent from `routes` passes untouched (no header written: the filter only acts on
// routes the control plane gave a weighted canary split). Parsed once in onConfigure; errors
// name the field path, e.g. `routes["default/web"].canaryWeight: must not exceed totalWeight (100)`.
import { ConfigErrors, JsonArray, JsonObject, parseConfigObject } from "@attache/proxy-wasm-sdk/json_view";
import { JsonKind } from "@attache/proxy-wasm-sdk/json";
import { RouteMap, RouteSettingsResolver } from "@attache/proxy-wasm-sdk/route_map";
import { routeConfigEntries } from "@attache/proxy-wasm-sdk/route_config";
import { CanaryRoute, KeySource, SourceKind, StickyCookieSettings } from "./assign";
import { cookieNameProblem, headerNameProblem } from "@attache/proxy-wasm-sdk/config_names";

export const DEFAULT_HASH_HEADER = "x-attache-canary-hash";
export const DEFAULT_OVERRIDE_HEADER = "x-canary";
export const DEFAULT_TOTAL_WEIGHT: u32 = 100;
export const DEFAULT_COOKIE_MAX_AGE: u32 = 30 * 86_400;
const MAX_TOTAL_WEIGHT: u32 = 1_000_000;

const ROUTE_FIELDS = ["hashHeader", "keySources", "overrideHeader", "stickyCookie", "totalWeight", "canaryWeight"];
const TOP_FIELDS = ["hashHeader", "keySources", "overrideHeader", "stickyCookie", "totalWeight", "canaryWeight", "routes"];
const COOKIE_FIELDS = ["name", "maxAgeSeconds", "secure"];

export class CanaryConfig {
  /** Looked up per request by the route's settings text without decoding it (RouteMap.forCurrentRoute). */
  routes: RouteMap<CanaryRoute> = new RouteMap<CanaryRoute>();
}

/** Fields as written at one level; null / -1 = inherit. */
class Fields {
  hashHeader: string | null = null;
  sources: KeySource[] | null = null;
  overrideHeader: string | null = null;
  cookie: StickyCookieSettings | null = null;
  cookieSet: bool = false;
  totalWeight: i64 = -1;
  canaryWeight: i64 = -1;
}

function readHeaderName(object: JsonObject, key: string, allowEmpty: bool): string | null {
  if (!object.has(key)) return null;
  const name = object.getString(key);
  if (object.raw(key)!.kind != JsonKind.String) return null;
  if (allowEmpty && name.length == 0) return name;
  const problem = headerNameProblem(name);
  if (problem !== null) { object.errors.add(object.pathOf(key), problem); return null; }
  return name;
}

function readSources(list: JsonArray): KeySource[] {
  const sources = new Array<KeySource>();
  if (list.length == 0) list.errors.add(list.path, "must list at least one key source");
  for (let i = 0; i < list.length; i++) {
    if (list.raw(i).kind != JsonKind.String) { list.getString(i); continue; }
    const text = list.getString(i);
    const path = list.pathAt(i);
    if (text == "clientAddress") { sources.push(new KeySource(SourceKind.ClientAddress, "")); continue; }
    if (text.startsWith("header:")) {
      const name = text.substring(7);
      const problem = headerNameProblem(name);
      if (problem !== null) list.errors.add(path, "header name " + problem);
      else sources.push(new KeySource(SourceKind.Header, name));
      continue;
    }
    if (text.startsWith("cookie:")) {
      const name = text.substring(7);
      const problem = cookieNameProblem(name);
      if (problem !== null) list.errors.add(path, "cookie name " + problem);
      else sources.push(new KeySource(SourceKind.Cookie, name));
      continue;
    }
    list.errors.add(path, "must be \"header:<name>\", \"cookie:<name>\" or \"clientAddress\", got \"" + text + "\"");
  }
  return sources;
}

function readCookie(object: JsonObject): StickyCookieSettings | null {
  object.rejectUnknownKeys(COOKIE_FIELDS);
  const name = object.requireString("name");
  const problem = name.length > 0 ? cookieNameProblem(name) : null;
  if (problem !== null) object.errors.add(object.pathOf("name"), problem);
  const maxAge = object.getInteger("maxAgeSeconds", DEFAULT_COOKIE_MAX_AGE, 1, 400 * 86_400);
  return new StickyCookieSettings(name, <u32>maxAge, object.getBool("secure", false));
}

/** Marks a field that was present but wrong (its error is already recorded). */
const INVALID: i64 = -2;

/** The weight, -1 when absent, INVALID when present but wrong. */
function weight(object: JsonObject, key: string, min: i64): i64 {
  const value = object.raw(key);
  if (value === null) return -1;
  const n = value.numberValue;
  if (value.kind != JsonKind.Number || n != Math.floor(n) || n < <f64>min || n > <f64>MAX_TOTAL_WEIGHT) {
    object.errors.add(object.pathOf(key), "must be an integer from " + min.toString() + " to " + MAX_TOTAL_WEIGHT.toString());
    return INVALID;
  }
  return <i64>n;
}

function readFields(object: JsonObject): Fields {
  const fields = new Fields();
  fields.hashHeader = readHeaderName(object, "hashHeader", false);
  fields.overrideHeader = readHeaderName(object, "overrideHeader", true);
  const sources = object.getArray("keySources");
  if (sources !== null) fields.sources = readSources(sources);
  const cookie = object.getObject("stickyCookie");
  if (cookie !== null) { fields.cookie = readCookie(cookie); fields.cookieSet = true; }
  fields.totalWeight = weight(object, "totalWeight", 1);
  fields.canaryWeight = weight(object, "canaryWeight", 0);
  return fields;
}

function defaultSources(): KeySource[] {
  return [new KeySource(SourceKind.ClientAddress, "")];
}

function resolve(own: Fields, defaults: Fields, path: string, errors: ConfigErrors): CanaryRoute | null {
  const total = own.totalWeight != -1 ? own.totalWeight : (defaults.totalWeight != -1 ? defaults.totalWeight : <i64>DEFAULT_TOTAL_WEIGHT);
  const canary = own.canaryWeight != -1 ? own.canaryWeight : defaults.canaryWeight;
  if (total == INVALID || canary == INVALID) return null; // reported where it was written
  if (canary < 0) {
    errors.add(path + ".canaryWeight", "is required (set it on the route or at the top level)");
    return null;
  }
  if (canary > total) {
    errors.add(path + ".canaryWeight", "must not exceed totalWeight (" + total.toString() + ")");
    return null;
  }
  const sources = own.sources !== null ? own.sources! : (defaults.sources !== null ? defaults.sources! : defaultSources());
  const cookie = own.cookieSet ? own.cookie : defaults.cookie;
  if (cookie !== null && !hasCookieSource(sources, cookie.name)) {
    // A cookie the filter never reads back would give the visitor a new id on every request.
    errors.add(path + ".stickyCookie.name", "\"" + cookie.name + "\" must also be listed in keySources as \"cookie:" + cookie.name + "\"");
    return null;
  }
  const hashHeader = own.hashHeader !== null ? own.hashHeader! : (defaults.hashHeader !== null ? defaults.hashHeader! : DEFAULT_HASH_HEADER);
  const overrideHeader = own.overrideHeader !== null ? own.overrideHeader! : (defaults.overrideHeader !== null ? defaults.overrideHeader! : DEFAULT_OVERRIDE_HEADER);
  return new CanaryRoute(hashHeader, sources, <u32>canary, <u32>total, overrideHeader, cookie);
}

function hasCookieSource(sources: KeySource[], name: string): bool {
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].kind == SourceKind.Cookie && sources[i].name == name) return true;
  }
  return false;
}

/** Parses the plugin configuration; null when `errors` holds at least one problem. */
export function parseCanaryConfig(bytes: ArrayBuffer, errors: ConfigErrors): CanaryConfig | null {
  const top = parseConfigObject(bytes, errors);
  if (top === null) return null;
  top.rejectUnknownKeys(TOP_FIELDS);
  const defaults = readFields(top);
  const config = new CanaryConfig();
  const routes = routeConfigEntries(top, ROUTE_FIELDS);
  for (let i = 0; i < routes.length; i++) {
    const resolved = resolve(readFields(routes[i].settings), defaults, routes[i].settings.path, errors);
    if (resolved !== null) config.routes.set(routes[i].name, resolved);
  }
  config.routes.readRouteMetadata(new CanaryRouteResolver(defaults));
  return errors.ok ? config : null;
}

/** A route's settings from its metadata, on the configuration's defaults (RouteMap). */
class CanaryRouteResolver extends RouteSettingsResolver<CanaryRoute> {
  constructor(private readonly defaults: Fields) { super(); }
  resolve(route: string, settings: JsonObject): CanaryRoute | null {
    settings.rejectUnknownKeys(ROUTE_FIELDS);
    return resolve(readFields(settings), this.defaults, settings.path, settings.errors);
  }
}
