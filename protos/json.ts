// Proto3 JSON <-> binary for Envoy resources, with protobuf-es and the generated Envoy types
// (envoy.ts). The JSON is Envoy's config style — proto field names (`filter_chains`), durations
// as "3s", wrappers as plain values, `Any` as {"@type": ...} — and typed by the generated
// `*Json` types (scripts/protos/generate.ts explains the field names). Decoding is strict: an
// unknown field, a wrong type or two members of one oneof is an error naming the field path
// (`Listener.filter_chains[0].filters[0].typed_config: ... key "stat_prefx" is unknown`), so a
// test that encodes every produced resource fails on anything Envoy would reject. Mapping
// rules: protobuf.dev "ProtoJSON".
import { isDeepStrictEqual } from "node:util";
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonObject, type JsonValue, type MessageJsonType } from "@bufbuild/protobuf";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import { parseProtoDuration, type DurationParts } from "./duration.ts";
import { ENVOY_REGISTRY, envoyMessage, TYPE_URL_PREFIX } from "./envoy.ts";
import { RESOURCE_SCHEMA, type ResourceJson, type ResourceTypeUrl } from "./type-urls.ts";

export type Json = JsonValue;

export class ProtoJsonError extends Error {}

const JSON_OPTIONS = { registry: ENVOY_REGISTRY } as const;

/** "1.5s" -> {seconds, nanos} (duration.ts), or a ProtoJsonError naming `path`. */
export function parseDuration(text: string, path: string): DurationParts {
  const parts = parseProtoDuration(text);
  if (!parts) throw new ProtoJsonError(`${path}: invalid duration ${JSON.stringify(text)} (want e.g. "3s" or "0.250s")`);
  return parts;
}

/** fromJson, reading a property whose value is `undefined` as absent, as TypeScript's optional
 *  properties (`field?: T`) allow and JSON.stringify does; fromJson itself only takes JSON
 *  values. Objects without `undefined` (the usual case) are converted once. */
function fromJsonValue<Desc extends DescMessage>(schema: Desc, json: unknown) {
  try {
    return fromJson(schema, json as JsonValue, JSON_OPTIONS);
  } catch (error) {
    const plain = JSON.parse(JSON.stringify(json ?? null)) as JsonValue;
    if (isDeepStrictEqual(plain, json)) throw error;
    return fromJson(schema, plain, JSON_OPTIONS);
  }
}

function withPath<T>(path: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    throw new ProtoJsonError(`${path}: ${(error as Error).message}`);
  }
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** The message type and body of an Any's JSON, when the registry knows its type. */
function anyBody(json: JsonValue): [DescMessage, JsonValue] | undefined {
  if (!isObject(json) || typeof json["@type"] !== "string") return undefined;
  const inner = ENVOY_REGISTRY.getMessage(json["@type"].slice(json["@type"].lastIndexOf("/") + 1));
  if (!inner) return undefined;
  const { "@type": _url, ...body } = json;
  return [inner, hasValueForm(inner) ? (body.value ?? null) : body];
}

/** The deepest message in `json` that does not convert, as a field path below `path` and the
 *  error converting it; fromJson's own error names only the message type. Runs on failure. */
function locateError(schema: DescMessage, json: JsonValue, path: string, error: Error): [string, Error] {
  if (!isObject(json)) return [path, error];
  for (const field of schema.fields) {
    const value = json[field.name];
    const message = field.fieldKind === "message" || field.fieldKind === "list" || field.fieldKind === "map" ? field.message : undefined;
    if (value === undefined || value === null || !message) continue;
    const fieldPath = `${path}.${field.name}`;
    const items: Array<[string, JsonValue]> = field.fieldKind === "list" && Array.isArray(value) ? value.map((v, i) => [`${fieldPath}[${i}]`, v])
      : field.fieldKind === "map" && isObject(value) ? Object.entries(value).map(([k, v]) => [`${fieldPath}[${JSON.stringify(k)}]`, v])
      : [[fieldPath, value]];
    for (const [itemPath, item] of items) {
      const [type, body] = message.typeName === "google.protobuf.Any" ? (anyBody(item) ?? [message, item]) : [message, item];
      try {
        fromJson(type, body, JSON_OPTIONS);
      } catch (inner) {
        return locateError(type, body, itemPath, inner as Error);
      }
    }
  }
  return [path, error];
}

/** fromJson, with an error that names the field path of what did not convert. */
function convertOrLocate<Desc extends DescMessage>(schema: Desc, json: unknown, path: string) {
  try {
    return fromJsonValue(schema, json);
  } catch (error) {
    const [where, cause] = locateError(schema, JSON.parse(JSON.stringify(json ?? null)) as JsonValue, path, error as Error);
    throw new ProtoJsonError(`${where}: ${cause.message}`);
  }
}

/** Encodes a message of `schema` from its typed JSON. */
export function encodeMessage<Desc extends DescMessage>(schema: Desc, json: MessageJsonType<Desc>, path: string = schema.name): Uint8Array {
  return toBinary(schema, convertOrLocate(schema, json, path));
}

/** Decodes bytes of `schema` into its typed JSON (no fields at their default value). */
export function decodeMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array, path: string = schema.name): MessageJsonType<Desc> {
  return withPath(path, () => toJson(schema, fromBinary(schema, bytes), JSON_OPTIONS) as MessageJsonType<Desc>);
}

/** Encodes proto3 JSON as `typeName` (full name or type URL), for resources keyed by type URL. */
export function encodeJson(typeName: string, value: unknown, path = typeName.split(".").pop() ?? "resource"): Uint8Array {
  const schema = withPath(path, () => envoyMessage(typeName));
  return toBinary(schema, convertOrLocate(schema, value, path));
}

/** Decodes bytes of `typeName` (full name or type URL) into proto3 JSON. */
export function decodeToJson(typeName: string, bytes: Uint8Array): Json {
  return withPath(typeName.split(".").pop() ?? typeName, () => {
    const schema = envoyMessage(typeName);
    return toJson(schema, fromBinary(schema, bytes), JSON_OPTIONS);
  });
}

/** Decodes an xDS resource of `typeUrl` into its typed JSON. */
export function decodeResource<U extends ResourceTypeUrl>(typeUrl: U, bytes: Uint8Array): ResourceJson<U> {
  const schema = RESOURCE_SCHEMA[typeUrl];
  return decodeMessage(schema, bytes, schema.name) as ResourceJson<U>;
}

/** Well-known types whose JSON is not an object with their fields (a wrapper is its value, a
 *  Duration a string, ...): inside an Any their JSON goes under "value" (proto3 JSON for Any). */
const hasValueForm = (schema: DescMessage): boolean => schema.typeName.startsWith("google.protobuf.") && schema.typeName !== "google.protobuf.Empty";

/** A google.protobuf.Any holding `body` (proto3 JSON: the body's fields beside "@type"). The
 *  body is checked against the schema's generated type. */
export function packAny<Desc extends DescMessage>(schema: Desc, body: MessageJsonType<Desc>): AnyJson {
  const typeUrl = `${TYPE_URL_PREFIX}${schema.typeName}`;
  if (hasValueForm(schema)) return { "@type": typeUrl, value: body } as AnyJson;
  return { "@type": typeUrl, ...(body as object) };
}

/** The body of an Any holding a `schema` message, typed; undefined when it holds another type. */
export function unpackAny<Desc extends DescMessage>(any: AnyJson | undefined, schema: Desc): MessageJsonType<Desc> | undefined {
  if (any?.["@type"] !== `${TYPE_URL_PREFIX}${schema.typeName}`) return undefined;
  // An Any's JSON is its body's JSON plus "@type" (or the body under "value", see
  // hasValueForm), so the check above is what makes the body a `schema` message.
  const json = any as { value?: JsonValue };
  return (hasValueForm(schema) ? json.value : json) as MessageJsonType<Desc>;
}
