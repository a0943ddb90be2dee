// Test-only module (built with ESM bindings by `npm run build`): exposes the SDK's pure codecs
// — JSON reader, config getters, header-map serialization — to vitest (codec.test.ts), so the
// exact bytes and error messages are checked as compiled to Wasm.
import { JsonKind, JsonValue, parseJson } from "../json";
import { ConfigErrors, JsonObject, childPath, parseConfigObject } from "../json_view";
import { HeaderPair, deserializeHeaders, serializeHeaders } from "../headers";

function numberText(n: f64): string {
  if (n == Math.floor(n) && Math.abs(n) < 1e15) return (<i64>n).toString();
  return n.toString();
}

function quote(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c < 0x20) out += "\\u" + "0000".substring(c.toString(16).length) + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

function canonical(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return v.boolValue ? "true" : "false";
    case JsonKind.Number: return numberText(v.numberValue);
    case JsonKind.String: return quote(v.stringValue);
    case JsonKind.Array: {
      const parts = new Array<string>();
      for (let i = 0; i < v.items.length; i++) parts.push(canonical(v.items[i]));
      return "[" + parts.join(",") + "]";
    }
    default: {
      const parts = new Array<string>();
      for (let i = 0; i < v.keys.length; i++) parts.push(quote(v.keys[i]) + ":" + canonical(v.items[i]));
      return "{" + parts.join(",") + "}";
    }
  }
}

/** Canonical re-serialization of `text`, or "error: <message>". */
export function parseToCanonical(text: string): string {
  const result = parseJson(text);
  if (!result.ok) return "error: " + result.error!;
  return canonical(result.value!);
}

/** The value the JSON reader gives the number `text` (NaN when `text` is not a JSON number). */
export function jsonNumber(text: string): f64 {
  const result = parseJson(text);
  return result.ok && result.value!.kind == JsonKind.Number ? result.value!.numberValue : NaN;
}

/** Reads a config through the typed getters and reports values and errors, one per line. */
export function readSampleConfig(text: string): string {
  const errors = new ConfigErrors();
  const root = parseConfigObject(String.UTF8.encode(text), errors);
  const lines = new Array<string>();
  if (root !== null) {
    lines.push("name=" + root.getString("name", "(default)"));
    lines.push("limit=" + root.getInteger("limit", 7, 1, 1000).toString());
    lines.push("ratio=" + numberText(root.getNumber("ratio", 0.5)));
    lines.push("on=" + (root.getBool("on", true) ? "true" : "false"));
    const routes = root.getObject("routes");
    if (routes !== null) {
      const keys = routes.keys();
      for (let i = 0; i < keys.length; i++) {
        const route = routes.getObject(keys[i]);
        if (route !== null) lines.push("route " + keys[i] + " require=" + route.requireString("require"));
      }
    }
    const tags = root.getArray("tags");
    if (tags !== null) lines.push("tags=" + tags.strings().join("|"));
    root.rejectUnknownKeys(["name", "limit", "ratio", "on", "routes", "tags"]);
  }
  for (let i = 0; i < errors.messages.length; i++) lines.push("error " + errors.messages[i]);
  return lines.join("\n");
}

export function pathOf(parent: string, key: string): string {
  return childPath(parent, key);
}

/** Serializes alternating key, value strings into the proxy-wasm header-map format. */
export function serializePairs(flat: string[]): ArrayBuffer {
  const pairs = new Array<HeaderPair>();
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push(new HeaderPair(flat[i], flat[i + 1]));
  return serializeHeaders(pairs);
}

/** Deserializes header-map bytes into alternating key, value strings. */
export function deserializePairs(bytes: ArrayBuffer): string[] {
  const pairs = deserializeHeaders(bytes);
  const flat = new Array<string>();
  for (let i = 0; i < pairs.length; i++) { flat.push(pairs[i].key); flat.push(pairs[i].value); }
  return flat;
}

// Keeps JsonObject referenced so its whole API is type-checked by this build.
export function objectKeyCount(text: string): i32 {
  const errors = new ConfigErrors();
  const root: JsonObject | null = parseConfigObject(String.UTF8.encode(text), errors);
  return root === null ? -1 : root.keys().length;
}

/** Fails an assertion: the SDK's abort route must log it at critical level and trap. */
export function failAssertion(value: i32): i32 {
  assert(value > 100, "probe assertion: value must exceed 100");
  return value;
}
