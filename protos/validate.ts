// The protoc-gen-validate rules Envoy enforces on every resource it accepts
// (`(validate.rules)` annotations in the Envoy API protos, read from the generated
// descriptors). Envoy rejects a whole xDS update — every resource in it — when one value
// breaks a rule (a `connect_timeout: 0s`, an empty `domains` list), so the translator's tests
// check them on top of `encodeJson`'s type checks. Supported: the rule kinds the Envoy API
// actually uses (string lengths, header-safe strings and patterns, numeric and duration
// bounds, required messages, Any and oneofs, repeated and map sizes with item rules).
import { getOption, hasOption, ScalarType, toJson, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { envoyMessage, ENVOY_REGISTRY, TYPE_URL_PREFIX } from "./envoy.ts";
import {
  FieldRulesSchema, required, rules as fieldRules, type DurationRulesJson, type FieldRulesJson, type StringRulesJson,
} from "./gen/validate/validate_pb.ts";
import { parseDuration, type Json } from "./json.ts";

/** A field's rules as JSON with validate.proto's field names (`min_len`, `repeated.items`). */
type Rules = FieldRulesJson;
/** What the numeric rule kinds (Int32Rules, UInt64Rules, DoubleRules, ...) share; 64-bit
 *  bounds are strings in proto3 JSON. */
type NumberRules = { const?: number | string; lt?: number | string; lte?: number | string; gt?: number | string; gte?: number | string; in?: Array<number | string> };
const WRAPPER_RULE: Record<string, keyof FieldRulesJson> = {
  "google.protobuf.DoubleValue": "double", "google.protobuf.FloatValue": "float",
  "google.protobuf.Int64Value": "int64", "google.protobuf.UInt64Value": "uint64",
  "google.protobuf.Int32Value": "int32", "google.protobuf.UInt32Value": "uint32",
  "google.protobuf.BoolValue": "bool", "google.protobuf.StringValue": "string", "google.protobuf.BytesValue": "bytes",
};
const OPAQUE = new Set(["google.protobuf.Duration", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Timestamp"]);

const rulesCache = new WeakMap<DescField, Rules | undefined>();

function rulesOf(field: DescField): Rules | undefined {
  if (rulesCache.has(field)) return rulesCache.get(field);
  const found = hasOption(field, fieldRules) ? (toJson(FieldRulesSchema, getOption(field, fieldRules)) as Rules) : undefined;
  rulesCache.set(field, found);
  return found;
}

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** Bytes as UTF-8, as PGV's *_bytes rules count them. */
const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

function checkString(r: StringRulesJson, v: string, path: string, out: string[]): void {
  const chars = [...v].length;
  if (r.min_len !== undefined && chars < Number(r.min_len)) out.push(`${path}: must be at least ${r.min_len} characters`);
  if (r.max_len !== undefined && chars > Number(r.max_len)) out.push(`${path}: must be at most ${r.max_len} characters`);
  if (r.len !== undefined && chars !== Number(r.len)) out.push(`${path}: must be exactly ${r.len} characters`);
  if (r.min_bytes !== undefined && byteLength(v) < Number(r.min_bytes)) out.push(`${path}: must be at least ${r.min_bytes} bytes`);
  if (r.max_bytes !== undefined && byteLength(v) > Number(r.max_bytes)) out.push(`${path}: must be at most ${r.max_bytes} bytes`);
  if (r.prefix !== undefined && !v.startsWith(r.prefix)) out.push(`${path}: must start with ${JSON.stringify(r.prefix)}`);
  if (r.pattern !== undefined && !new RegExp(r.pattern, "u").test(v)) out.push(`${path}: must match ${r.pattern}`);
  if (r.in !== undefined && !r.in.includes(v)) out.push(`${path}: must be one of ${JSON.stringify(r.in)}`);
  if (r.well_known_regex !== undefined) {
    // strict: false (what Envoy uses) only forbids NUL, CR and LF; strict follows RFC 7230.
    const strict = r.strict !== false;
    const bad = r.well_known_regex === "HTTP_HEADER_NAME"
      ? (strict ? !/^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/.test(v) : /[\0\r\n]/.test(v))
      : (strict ? /[\0-\x08\x0A-\x1F\x7F]/.test(v) : /[\0\r\n]/.test(v));
    if (bad) out.push(`${path}: not a valid ${r.well_known_regex === "HTTP_HEADER_NAME" ? "header name" : "header value"}`);
  }
}

function checkNumber(r: NumberRules, v: number, path: string, out: string[]): void {
  const n = (x: number | string) => Number(x);
  if (r.const !== undefined && v !== n(r.const)) out.push(`${path}: must be ${r.const}`);
  if (r.gt !== undefined && !(v > n(r.gt))) out.push(`${path}: must be greater than ${r.gt}`);
  if (r.gte !== undefined && !(v >= n(r.gte))) out.push(`${path}: must be at least ${r.gte}`);
  if (r.lt !== undefined && !(v < n(r.lt))) out.push(`${path}: must be less than ${r.lt}`);
  if (r.lte !== undefined && !(v <= n(r.lte))) out.push(`${path}: must be at most ${r.lte}`);
  if (r.in !== undefined && !r.in.map(n).includes(v)) out.push(`${path}: must be one of ${JSON.stringify(r.in)}`);
}

function checkDuration(r: DurationRulesJson, v: string, path: string, out: string[]): void {
  const nanos = (text: string) => {
    const parts = parseDuration(text, path);
    return parts.seconds * 1e9 + parts.nanos;
  };
  const value = nanos(v);
  const text = (d: string) => `${nanos(d) / 1e9}s`;
  if (r.gt !== undefined && !(value > nanos(r.gt))) out.push(`${path}: must be longer than ${text(r.gt)}`);
  if (r.gte !== undefined && !(value >= nanos(r.gte))) out.push(`${path}: must be at least ${text(r.gte)}`);
  if (r.lt !== undefined && !(value < nanos(r.lt))) out.push(`${path}: must be shorter than ${text(r.lt)}`);
  if (r.lte !== undefined && !(value <= nanos(r.lte))) out.push(`${path}: must be at most ${text(r.lte)}`);
}

/** The rule kind (validate.FieldRules member) of one value of `field`, and its message type. */
function valueKind(field: DescField): { kind: keyof FieldRulesJson; message?: DescMessage } {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind === "map" ? field.mapKind : field.fieldKind;
  if (kind === "message") {
    const message = field.message!;
    return { kind: WRAPPER_RULE[message.typeName] ?? "message", message };
  }
  if (kind === "enum") return { kind: "enum" };
  const scalar = (field as { scalar: ScalarType }).scalar;
  // ScalarType's names are validate.FieldRules' member names in upper case (UINT32 -> uint32).
  return { kind: ScalarType[scalar]!.toLowerCase() as keyof FieldRulesJson };
}

/** Rules on one value of `field` (not the repeated/map container). */
function checkValue(field: DescField, rules: Rules | undefined, value: Json, path: string, out: string[]): void {
  const { kind, message } = valueKind(field);
  if (rules) {
    const numeric = typeof value === "number" || (typeof value === "string" && /^-?\d+$/.test(value));
    if (kind === "string" && rules.string && typeof value === "string") checkString(rules.string, value, path, out);
    else if (kind === "bool" && rules.bool?.const !== undefined && value !== rules.bool.const) out.push(`${path}: must be ${rules.bool.const}`);
    else if (kind !== "enum" && kind !== "message" && kind !== "string" && kind !== "bool" && rules[kind] && numeric) {
      checkNumber(rules[kind] as NumberRules, Number(value), path, out);
    }
    if (rules.duration && message?.typeName === "google.protobuf.Duration" && typeof value === "string") checkDuration(rules.duration, value, path, out);
    if (rules.any?.in && isObject(value) && !rules.any.in.includes(String(value["@type"]))) {
      out.push(`${path}: type ${JSON.stringify(value["@type"])} is not one of ${JSON.stringify(rules.any.in)}`);
    }
  }
  if (message) checkMessage(message, value, path, out);
}

function checkMessage(type: DescMessage, value: Json, path: string, out: string[]): void {
  if (OPAQUE.has(type.typeName) || WRAPPER_RULE[type.typeName] || !isObject(value)) return;
  if (type.typeName === "google.protobuf.Any") {
    const url = value["@type"];
    if (typeof url !== "string" || !url.startsWith(TYPE_URL_PREFIX)) return; // the empty Any
    const inner = ENVOY_REGISTRY.getMessage(url.slice(TYPE_URL_PREFIX.length));
    if (inner && !inner.typeName.startsWith("google.protobuf.")) {
      const { "@type": _url, ...body } = value;
      checkMessage(inner, body, path, out);
    }
    return;
  }
  for (const field of type.fields) {
    const rules = rulesOf(field);
    const raw = value[field.name] ?? value[field.jsonName];
    const fieldPath = `${path}.${field.name}`;
    if (raw === undefined || raw === null) {
      // Rules of a oneof member apply only when that member is the one set.
      if (field.oneof) continue;
      if (rules?.message?.required || rules?.duration?.required || rules?.any?.required) out.push(`${fieldPath}: required`);
      if (Number(rules?.repeated?.min_items ?? 0) > 0 || Number(rules?.map?.min_pairs ?? 0) > 0) out.push(`${fieldPath}: must not be empty`);
      continue;
    }
    if (field.fieldKind === "map") {
      if (!isObject(raw)) continue;
      const pairs = Object.entries(raw);
      if (rules?.map?.min_pairs !== undefined && pairs.length < Number(rules.map.min_pairs)) out.push(`${fieldPath}: needs at least ${rules.map.min_pairs} entries`);
      for (const [key, item] of pairs) {
        if (rules?.map?.keys?.string) checkString(rules.map.keys.string, key, `${fieldPath}[${JSON.stringify(key)}]`, out);
        checkValue(field, rules?.map?.values, item, `${fieldPath}[${JSON.stringify(key)}]`, out);
      }
    } else if (field.fieldKind === "list") {
      if (!Array.isArray(raw)) continue;
      const r = rules?.repeated;
      if (r?.min_items !== undefined && raw.length < Number(r.min_items)) out.push(`${fieldPath}: needs at least ${r.min_items} items`);
      if (r?.max_items !== undefined && raw.length > Number(r.max_items)) out.push(`${fieldPath}: takes at most ${r.max_items} items`);
      raw.forEach((item, i) => checkValue(field, r?.items, item, `${fieldPath}[${i}]`, out));
    } else {
      checkValue(field, rules, raw, fieldPath, out);
    }
  }
  for (const oneof of type.oneofs) {
    if (!getOption(oneof, required)) continue;
    if (!oneof.fields.some((f) => (value[f.name] ?? value[f.jsonName]) != null)) {
      out.push(`${path}: one of ${oneof.fields.map((f) => f.name).join(", ")} is required`);
    }
  }
}

/** Every PGV rule `json` (proto3 JSON of `typeName`, full name or type URL) breaks, as
 *  path-prefixed messages; [] when Envoy's validation would accept it. Assumes `json` already
 *  encodes (encodeJson checks names and types). */
export function validateRules(typeName: string, json: unknown, path = typeName.split(".").pop() ?? "resource"): string[] {
  const out: string[] = [];
  checkMessage(envoyMessage(typeName), json as Json, path, out);
  return out;
}
