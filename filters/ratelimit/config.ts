// Plugin configuration of the ratelimit filter (schema: config.schema.json, documented with an
// example in README.md). Top-level fields are defaults that every entry of `routes` inherits;
// a route absent from `routes` is not limited (the filter passes it through). Parsed and
// validated once in onConfigure; errors name the field path, e.g.
//   routes["default/api"].requests: must be a positive integer
import { ConfigErrors, JsonArray, JsonObject, parseConfigObject } from "@attache/proxy-wasm-sdk/json_view";
import { JsonKind } from "@attache/proxy-wasm-sdk/json";
import { ROUTE_NAME_FIELD, RouteMap, RouteSettingsResolver } from "@attache/proxy-wasm-sdk/route_map";
import { routeConfigEntries } from "@attache/proxy-wasm-sdk/route_config";
import { Limit } from "./gcra";
import { KeyPart, parseKeyPart, routeKeyState } from "./key";
import { NANOS_PER_SECOND, parseDurationNanos } from "./duration";

export const DEFAULT_MAX_KEYS: u32 = 10_000;
export const MAX_MAX_KEYS: u32 = 1_000_000;
export const MAX_REQUESTS: u32 = 1_000_000;
/** burst × interval / requests must stay below this (u64 nanosecond arithmetic in gcra.ts). */
const MAX_WINDOW_NANOS: f64 = 100.0 * 365 * 86_400 * <f64>NANOS_PER_SECOND;

const ROUTE_FIELDS = ["requests", "interval", "burst", "keyBy", "responseHeaders", "legacyHeaders"];
/** Settings in route metadata also name their route (controlplane/translate/wasm.ts). */
const METADATA_FIELDS = ROUTE_FIELDS.concat([ROUTE_NAME_FIELD]);
const TOP_FIELDS = ["requests", "interval", "burst", "keyBy", "responseHeaders", "legacyHeaders", "maxKeys", "routes"];

/** One route's limit with the defaults merged in. */
export class RouteLimit {
  /** The keys' hash state after the route name, computed once (key.ts bucketFingerprint). */
  readonly keyState: u64;
  constructor(
    /** The route name (`<namespace>/<mapping>`): the first part of every bucket key. */
    public readonly route: string,
    public readonly limit: Limit,
    public readonly keyBy: KeyPart[],
    /** Add RateLimit-* to allowed responses too (429s always carry them). */
    public readonly responseHeaders: bool,
    /** Also send X-RateLimit-*. */
    public readonly legacyHeaders: bool,
  ) {
    this.keyState = routeKeyState(route);
  }
}

export class RateLimitConfig {
  /** Looked up per request by the route's settings text without decoding it (RouteMap.forCurrentRoute). */
  routes: RouteMap<RouteLimit> = new RouteMap<RouteLimit>();
  maxKeys: u32 = DEFAULT_MAX_KEYS;
}

const INVALID: i64 = -2;

/** Fields as written at one level; unset fields inherit from the level above. */
class Fields {
  requests: i64 = -1;
  intervalNanos: u64 = 0;
  burst: i64 = -1;
  keyBy: KeyPart[] | null = null;
  responseHeaders: i32 = -1;
  legacyHeaders: i32 = -1;
}

/** The integer, -1 when absent, INVALID when present but wrong (error recorded). */
function positiveInteger(object: JsonObject, key: string, max: u32): i64 {
  const value = object.raw(key);
  if (value === null) return -1;
  const n = value.numberValue;
  if (value.kind != JsonKind.Number || n != Math.floor(n) || n < 1 || n > <f64>max) {
    object.errors.add(object.pathOf(key), "must be a positive integer (at most " + max.toString() + ")");
    return INVALID;
  }
  return <i64>n;
}

function optionalBool(object: JsonObject, key: string): i32 {
  if (!object.has(key)) return -1;
  return object.getBool(key) ? 1 : 0;
}

function readKeyBy(list: JsonArray): KeyPart[] {
  const parts = new Array<KeyPart>();
  for (let i = 0; i < list.length; i++) {
    const text = list.getString(i);
    if (list.raw(i).kind != JsonKind.String) continue; // type error already recorded
    const problem = new Array<string>();
    const part = parseKeyPart(text, problem);
    if (part !== null) parts.push(part);
    else list.errors.add(list.pathAt(i), problem[0]);
  }
  return parts;
}

function readFields(object: JsonObject): Fields {
  const fields = new Fields();
  fields.requests = positiveInteger(object, "requests", MAX_REQUESTS);
  fields.burst = positiveInteger(object, "burst", MAX_REQUESTS);
  if (object.has("interval")) {
    const text = object.getString("interval");
    fields.intervalNanos = parseDurationNanos(text);
    if (fields.intervalNanos == 0 && object.raw("interval")!.kind == JsonKind.String) {
      object.errors.add(object.pathOf("interval"), "must be a duration from 1ms to 24h such as \"500ms\", \"1s\", \"1m\" or \"1h\", got \"" + text + "\"");
    }
  }
  const keyBy = object.getArray("keyBy");
  if (keyBy !== null) fields.keyBy = readKeyBy(keyBy);
  fields.responseHeaders = optionalBool(object, "responseHeaders");
  fields.legacyHeaders = optionalBool(object, "legacyHeaders");
  return fields;
}

function resolve(route: string, own: Fields, defaults: Fields, path: string, errors: ConfigErrors): RouteLimit | null {
  const requests = own.requests != -1 ? own.requests : defaults.requests;
  if (requests == INVALID) return null; // already reported where it was written
  if (requests <= 0) {
    errors.add(path + ".requests", "is required (set it on the route or at the top level)");
    return null;
  }
  const interval = own.intervalNanos > 0 ? own.intervalNanos : (defaults.intervalNanos > 0 ? defaults.intervalNanos : NANOS_PER_SECOND);
  const burst = own.burst > 0 ? own.burst : (defaults.burst > 0 ? defaults.burst : requests);
  if (<f64>interval / <f64>requests * <f64>burst > MAX_WINDOW_NANOS) {
    errors.add(path + ".burst", "burst x interval / requests must stay under 100 years");
    return null;
  }
  const keyBy = own.keyBy !== null ? own.keyBy! : (defaults.keyBy !== null ? defaults.keyBy! : new Array<KeyPart>());
  const responseHeaders = own.responseHeaders >= 0 ? own.responseHeaders : defaults.responseHeaders;
  const legacyHeaders = own.legacyHeaders >= 0 ? own.legacyHeaders : defaults.legacyHeaders;
  return new RouteLimit(route, new Limit(<u32>requests, interval, <u32>burst), keyBy, responseHeaders == 1, legacyHeaders == 1);
}

/** Parses the plugin configuration; null when `errors` holds at least one problem. */
export function parseRateLimitConfig(bytes: ArrayBuffer, errors: ConfigErrors): RateLimitConfig | null {
  const top = parseConfigObject(bytes, errors);
  if (top === null) return null;
  top.rejectUnknownKeys(TOP_FIELDS);
  const defaults = readFields(top);
  const config = new RateLimitConfig();
  const maxKeys = positiveInteger(top, "maxKeys", MAX_MAX_KEYS);
  if (maxKeys > 0) config.maxKeys = <u32>maxKeys;
  const routes = routeConfigEntries(top, ROUTE_FIELDS);
  for (let i = 0; i < routes.length; i++) {
    const resolved = resolve(routes[i].name, readFields(routes[i].settings), defaults, routes[i].settings.path, errors);
    if (resolved !== null) config.routes.set(routes[i].name, resolved);
  }
  config.routes.readRouteMetadata(new RouteLimitResolver(defaults));
  return errors.ok ? config : null;
}

/** A route's settings from its metadata, on the configuration's defaults (RouteMap). */
class RouteLimitResolver extends RouteSettingsResolver<RouteLimit> {
  constructor(private readonly defaults: Fields) { super(); }
  resolve(route: string, settings: JsonObject): RouteLimit | null {
    settings.rejectUnknownKeys(METADATA_FIELDS);
    return resolve(route, readFields(settings), this.defaults, settings.path, settings.errors);
  }
  /** Buckets are per route: the route's name is the first part of every key (key.ts). */
  usesRouteName(): bool { return true; }
}
