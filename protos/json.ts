// Strict proto3 JSON <-> binary for Envoy resources, on protobufjs reflection.
//
// The translator writes resources the way Envoy's own YAML/JSON configs look (snake_case
// field names, durations as "3s", wrappers as plain values, `Any` as {"@type": ...}); this
// module turns that into bytes with the real Envoy types and back. Unlike protobufjs's
// fromObject it never drops what it does not know: an unknown field, a wrong type or two
// members of one oneof is an error naming the path — so a test that encodes every produced
// resource fails on any field Envoy would reject. Mapping rules: protobuf.dev "ProtoJSON".
import protobuf from "protobufjs";
import { formatProtoDuration, parseProtoDuration, type DurationParts } from "./duration.ts";
import { envoyRoot } from "./envoy.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const TYPE_URL_PREFIX = "type.googleapis.com/";

export class ProtoJsonError extends Error {}

const WRAPPERS = new Set([
  "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
  "BoolValue", "StringValue", "BytesValue",
].map((n) => `.google.protobuf.${n}`));

function fail(path: string, message: string): never {
  throw new ProtoJsonError(`${path}: ${message}`);
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** "1.5s" -> {seconds, nanos} (duration.ts), or a ProtoJsonError naming `path`. */
export function parseDuration(text: string, path: string): DurationParts {
  const parts = parseProtoDuration(text);
  if (!parts) fail(path, `invalid duration ${JSON.stringify(text)} (want e.g. "3s" or "0.250s")`);
  return parts;
}

function resolveMessage(field: protobuf.Field): protobuf.Type | undefined {
  field.resolve();
  return field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
}

function convertScalar(field: protobuf.Field, value: Json, path: string): unknown {
  if (field.resolvedType instanceof protobuf.Enum) {
    const values = field.resolvedType.values;
    if (typeof value === "string" && value in values) return values[value];
    if (typeof value === "number" && Number.isInteger(value)) return value;
    fail(path, `invalid value ${JSON.stringify(value)} for enum ${field.resolvedType.name} (one of ${Object.keys(values).join(", ")})`);
  }
  switch (field.type) {
    case "string":
      if (typeof value !== "string") fail(path, `expected a string, got ${JSON.stringify(value)}`);
      return value;
    case "bool":
      if (typeof value !== "boolean") fail(path, `expected a boolean, got ${JSON.stringify(value)}`);
      return value;
    case "bytes":
      if (typeof value !== "string") fail(path, "expected base64 bytes as a string");
      return Buffer.from(value, "base64");
    case "double": case "float":
      if (typeof value !== "number") fail(path, `expected a number, got ${JSON.stringify(value)}`);
      return value;
    default: {
      // Integer types; 64-bit ones may come as strings (proto3 JSON).
      const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n)) fail(path, `expected an integer, got ${JSON.stringify(value)}`);
      if (field.type.startsWith("uint") || field.type.startsWith("fixed")) {
        if (n < 0) fail(path, `expected an unsigned integer, got ${n}`);
      }
      return n;
    }
  }
}

/** Per type: its full name (protobufjs recomputes `fullName` by walking the parents on every
 *  read) and its fields by proto name and JSON name — encoding a large Listener looks these
 *  up tens of thousands of times. */
interface TypeInfo {
  name: string;
  fields: Map<string, protobuf.Field>;
}
const typeInfos = new WeakMap<protobuf.Type, TypeInfo>();

function infoOf(type: protobuf.Type): TypeInfo {
  let info = typeInfos.get(type);
  if (!info) {
    const fields = new Map<string, protobuf.Field>();
    for (const field of type.fieldsArray) fields.set(jsonName(field), field);
    for (const field of type.fieldsArray) fields.set(field.name, field);
    info = { name: type.fullName, fields };
    typeInfos.set(type, info);
  }
  return info;
}

/** Converts proto3 JSON for `type` into a plain object protobufjs's fromObject accepts. */
function fromJsonObject(type: protobuf.Type, value: Json, path: string): Record<string, unknown> {
  const info = infoOf(type);
  const name = info.name;
  if (name === ".google.protobuf.Duration") {
    if (typeof value !== "string") fail(path, "expected a duration string like \"3s\"");
    return parseDuration(value, path);
  }
  if (WRAPPERS.has(name)) return { value: convertScalar(type.fields.value, value, path) };
  if (name === ".google.protobuf.Struct") {
    if (!isObject(value)) fail(path, "expected an object");
    return structFields(value);
  }
  if (name === ".google.protobuf.Value") return jsonValue(value);
  if (name === ".google.protobuf.ListValue") {
    if (!Array.isArray(value)) fail(path, "expected an array");
    return { values: value.map(jsonValue) };
  }
  if (name === ".google.protobuf.Any") return anyFromJson(value, path);
  if (!isObject(value)) fail(path, `expected an object for ${name.slice(1)}`);

  const out: Record<string, unknown> = {};
  const oneofSeen = new Map<string, string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = info.fields.get(key);
    const fieldPath = `${path}.${key}`;
    if (!field) fail(fieldPath, `unknown field of ${name.slice(1)}`);
    if (raw === null) continue;
    if (field.partOf) {
      const other = oneofSeen.get(field.partOf.name);
      if (other) fail(fieldPath, `oneof ${field.partOf.name} already set by ${other}`);
      oneofSeen.set(field.partOf.name, key);
    }
    out[field.name] = convertField(field, raw, fieldPath);
  }
  return out;
}

function convertField(field: protobuf.Field, raw: Json, path: string): unknown {
  const message = resolveMessage(field);
  const one = (v: Json, p: string) => (message ? fromJsonObject(message, v, p) : convertScalar(field, v, p));
  if (field instanceof protobuf.MapField) {
    if (!isObject(raw)) fail(path, "expected an object (map)");
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, one(v, `${path}[${JSON.stringify(k)}]`)]));
  }
  if (field.repeated) {
    if (!Array.isArray(raw)) fail(path, "expected an array");
    return raw.map((v, i) => one(v, `${path}[${i}]`));
  }
  return one(raw, path);
}

function jsonName(field: protobuf.Field): string {
  return field.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// protobufjs defines google.protobuf.Value itself (camelCase field names, whatever keepCase).
function jsonValue(value: Json): Record<string, unknown> {
  if (value === null) return { nullValue: 0 };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonValue) } };
  return { structValue: structFields(value) };
}

function structFields(value: { [key: string]: Json }): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)])) };
}

function anyFromJson(value: Json, path: string): Record<string, unknown> {
  // `{}` is the Any with an empty type_url. Envoy gives it one meaning: in
  // route.v3.FilterConfig.config it switches a disabled HTTP filter on for the route
  // (source/common/router/per_filter_config.cc: "If the field `config` is configured but is
  // empty, we treat the filter is enabled explicitly"; leaving `config` out is rejected as
  // "Empty route/virtual host per filter configuration").
  if (isObject(value) && Object.keys(value).length === 0) return {};
  if (!isObject(value) || typeof value["@type"] !== "string") fail(path, "expected an Any with \"@type\"");
  const typeUrl = value["@type"];
  const inner = lookupByTypeUrl(typeUrl, `${path}["@type"]`);
  const { "@type": _ignored, ...rest } = value;
  // Well-known types with a non-object JSON form carry it in "value" (proto3 JSON for Any).
  const special = inner.fullName.startsWith(".google.protobuf.") && inner.fullName !== ".google.protobuf.Empty";
  const body = special ? (rest.value as Json) : (rest as Json);
  return { type_url: typeUrl, value: encodeMessage(inner, body, path) };
}

function lookupByTypeUrl(typeUrl: string, path: string): protobuf.Type {
  if (!typeUrl.startsWith(TYPE_URL_PREFIX)) fail(path, `type URL must start with ${TYPE_URL_PREFIX}`);
  const found = envoyRoot().lookup(typeUrl.slice(TYPE_URL_PREFIX.length));
  if (!(found instanceof protobuf.Type)) fail(path, `unknown type ${typeUrl}`);
  return found;
}

function encodeMessage(type: protobuf.Type, value: Json, path: string): Uint8Array {
  const plain = fromJsonObject(type, value, path);
  return type.encode(type.fromObject(plain)).finish();
}

/** Encodes proto3 JSON as `typeName` (full name or type URL); errors name the field path. */
export function encodeJson(typeName: string, value: unknown, path = typeName.split(".").pop() ?? "resource"): Uint8Array {
  const url = typeName.startsWith(TYPE_URL_PREFIX) ? typeName : `${TYPE_URL_PREFIX}${typeName}`;
  return encodeMessage(lookupByTypeUrl(url, path), value as Json, path);
}

/** Decodes bytes of `typeName` into proto3 JSON (snake_case names, as Envoy's config dump). */
export function decodeToJson(typeName: string, bytes: Uint8Array): Json {
  const url = typeName.startsWith(TYPE_URL_PREFIX) ? typeName : `${TYPE_URL_PREFIX}${typeName}`;
  const type = lookupByTypeUrl(url, typeName);
  return messageToJson(type, type.decode(bytes));
}

function messageToJson(type: protobuf.Type, message: protobuf.Message | Record<string, any>): Json {
  const m = message as Record<string, any>;
  const name = type.fullName;
  if (name === ".google.protobuf.Duration") return formatProtoDuration(Number(m.seconds ?? 0), Number(m.nanos ?? 0));
  if (WRAPPERS.has(name)) return scalarToJson(type.fields.value, m.value ?? defaultScalar(type.fields.value));
  if (name === ".google.protobuf.Struct") return structToJson(m);
  if (name === ".google.protobuf.Value") return valueToJson(m);
  if (name === ".google.protobuf.ListValue") return (m.values ?? []).map(valueToJson);
  if (name === ".google.protobuf.Any") {
    if (!m.type_url) return {}; // the empty Any (see anyFromJson)
    const inner = lookupByTypeUrl(m.type_url, "Any");
    const body = messageToJson(inner, inner.decode(m.value ?? new Uint8Array()));
    return isObject(body) && !inner.fullName.startsWith(".google.protobuf.")
      ? { "@type": m.type_url, ...body }
      : { "@type": m.type_url, value: body };
  }
  const out: Record<string, Json> = {};
  for (const field of type.fieldsArray) {
    const v = m[field.name];
    if (v === undefined || v === null) continue;
    // A decoded message exposes which member of a oneof is set as a virtual property; the
    // other members (and all of them when none is set) read as prototype defaults.
    if (field.partOf && m[field.partOf.name] !== field.name) continue;
    if (field.repeated && Array.isArray(v) && v.length === 0) continue;
    if (field instanceof protobuf.MapField && Object.keys(v).length === 0) continue;
    // proto3 scalars at their default are not on the wire; skip them unless in a oneof.
    if (!field.partOf && !resolveMessage(field) && !field.repeated && !(field instanceof protobuf.MapField) && isDefault(field, v)) continue;
    const message = resolveMessage(field);
    const one = (x: any): Json => (message ? messageToJson(message, x) : scalarToJson(field, x));
    if (field instanceof protobuf.MapField) out[field.name] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, one(x)]));
    else if (field.repeated) out[field.name] = (v as any[]).map(one);
    else out[field.name] = one(v);
  }
  return out;
}

function isDefault(field: protobuf.Field, v: any): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return v === 0;
  if (field.type === "bytes") return v.length === 0;
  if (typeof v === "object" && v !== null && "low" in v) return v.low === 0 && v.high === 0;
  return v === defaultScalar(field);
}

function defaultScalar(field: protobuf.Field): unknown {
  if (field.type === "string") return "";
  if (field.type === "bool") return false;
  if (field.type === "bytes") return new Uint8Array();
  return 0;
}

function scalarToJson(field: protobuf.Field, v: any): Json {
  field.resolve();
  if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.valuesById[v] ?? v;
  if (field.type === "bytes") return Buffer.from(v).toString("base64");
  if (typeof v === "object" && v !== null && "low" in v) return longToString(v);
  if (/^(u?int64|s?fixed64|sint64)$/.test(field.type)) return String(v);
  return v;
}

/** A protobufjs Long-like {low, high, unsigned} as a decimal string, exactly (BigInt). */
function longToString(v: { low: number; high: number; unsigned?: boolean }): string {
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return (v.unsigned ? bits : BigInt.asIntN(64, bits)).toString();
}

function structToJson(m: Record<string, any>): Json {
  return Object.fromEntries(Object.entries(m.fields ?? {}).map(([k, v]) => [k, valueToJson(v as any)]));
}

function valueToJson(v: Record<string, any>): Json {
  switch (v.kind) {
    case "structValue": return structToJson(v.structValue);
    case "listValue": return (v.listValue.values ?? []).map(valueToJson);
    case "stringValue": return v.stringValue;
    case "numberValue": return v.numberValue;
    case "boolValue": return v.boolValue;
    default: return null;
  }
}

export type { Json };
