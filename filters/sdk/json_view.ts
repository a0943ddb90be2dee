// Typed, path-aware access to a parsed JSON config. Every getter takes a default; a present
// field of the wrong type records an error prefixed with its path (e.g.
// `routes["ns/api"].header.name: expected a string, got a number`) and yields the default, so
// onConfigure can check everything, then log all errors and return false.
import { JsonKind, JsonValue, jsonKindName, parseJsonBytes } from "./json";

/** Collects path-prefixed config errors. */
export class ConfigErrors {
  messages: string[] = [];
  add(path: string, message: string): void { this.messages.push((path.length > 0 ? path : "configuration") + ": " + message); }
  get ok(): bool { return this.messages.length == 0; }
  /** All messages on one line, for a single log entry. */
  toString(): string { return this.messages.join("; "); }
}

/** `parent.key`, or `parent["key"]` when the key is not a plain identifier (route names). */
export function childPath(parent: string, key: string): string {
  let plain = key.length > 0;
  for (let i = 0; i < key.length && plain; i++) {
    const c = key.charCodeAt(i);
    plain = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x5f || c == 0x2d;
  }
  if (plain) return parent.length > 0 ? parent + "." + key : key;
  return parent + "[\"" + key + "\"]";
}

/** Records "expected <what>, got <kind>" at `path` when `v` is not of `kind`; returns whether it is. */
function isKind(errors: ConfigErrors, path: string, v: JsonValue, kind: JsonKind, expected: string): bool {
  if (v.kind == kind) return true;
  errors.add(path, "expected " + expected + ", got " + jsonKindName(v.kind));
  return false;
}

/** An object in the config with its path. */
export class JsonObject {
  constructor(public readonly value: JsonValue, public readonly path: string, public readonly errors: ConfigErrors) {}

  has(key: string): bool { return this.value.has(key); }
  keys(): string[] { return this.value.keys; }
  pathOf(key: string): string { return childPath(this.path, key); }
  /** Raw member (null when absent). */
  raw(key: string): JsonValue | null { return this.value.get(key); }

  /** The member when present, not null and of `kind`; otherwise null (an error recorded for another kind). */
  private member(key: string, kind: JsonKind, expected: string): JsonValue | null {
    const v = this.value.get(key);
    if (v === null || v.kind == JsonKind.Null || !isKind(this.errors, this.pathOf(key), v, kind, expected)) return null;
    return v;
  }

  getString(key: string, fallback: string = ""): string {
    const v = this.member(key, JsonKind.String, "a string");
    return v !== null ? v.stringValue : fallback;
  }

  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.member(key, JsonKind.Number, "a number");
    return v !== null ? v.numberValue : fallback;
  }

  /** A whole number within [min, max]. */
  getInteger(key: string, fallback: i64 = 0, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    const v = this.member(key, JsonKind.Number, "an integer");
    if (v === null) return fallback;
    const n = v.numberValue;
    if (n != Math.floor(n) || n < <f64>min || n > <f64>max) {
      this.errors.add(this.pathOf(key), "expected an integer between " + min.toString() + " and " + max.toString() + ", got " + v.stringValue);
      return fallback;
    }
    return <i64>n;
  }

  getBool(key: string, fallback: bool = false): bool {
    const v = this.member(key, JsonKind.Bool, "a boolean");
    return v !== null ? v.boolValue : fallback;
  }

  /** Member object, or null when absent (or of the wrong type: error recorded). */
  getObject(key: string): JsonObject | null {
    const v = this.member(key, JsonKind.Object, "an object");
    return v !== null ? new JsonObject(v, this.pathOf(key), this.errors) : null;
  }

  getArray(key: string): JsonArray | null {
    const v = this.member(key, JsonKind.Array, "an array");
    return v !== null ? new JsonArray(v, this.pathOf(key), this.errors) : null;
  }

  /** A string that must be present and non-empty. */
  requireString(key: string): string {
    const raw = this.value.get(key);
    if (raw === null || raw.kind == JsonKind.Null) { this.errors.add(this.pathOf(key), "is required"); return ""; }
    const s = this.getString(key);
    if (s.length == 0 && raw.kind == JsonKind.String) this.errors.add(this.pathOf(key), "must not be empty");
    return s;
  }

  /** Records an error for every member not in `allowed` (catches typos in field names). */
  rejectUnknownKeys(allowed: string[]): void {
    const keys = this.value.keys;
    for (let i = 0; i < keys.length; i++) {
      if (!allowed.includes(keys[i])) this.errors.add(this.pathOf(keys[i]), "unknown field (expected one of: " + allowed.join(", ") + ")");
    }
  }
}

/** An array in the config with its path. */
export class JsonArray {
  constructor(public readonly value: JsonValue, public readonly path: string, public readonly errors: ConfigErrors) {}

  get length(): i32 { return this.value.items.length; }
  pathAt(index: i32): string { return this.path + "[" + index.toString() + "]"; }
  raw(index: i32): JsonValue { return this.value.items[index]; }

  /** Element `index` when of `kind`, else null with an error recorded. */
  private element(index: i32, kind: JsonKind, expected: string): JsonValue | null {
    const v = this.value.items[index];
    return isKind(this.errors, this.pathAt(index), v, kind, expected) ? v : null;
  }

  getString(index: i32, fallback: string = ""): string {
    const v = this.element(index, JsonKind.String, "a string");
    return v !== null ? v.stringValue : fallback;
  }

  getNumber(index: i32, fallback: f64 = 0): f64 {
    const v = this.element(index, JsonKind.Number, "a number");
    return v !== null ? v.numberValue : fallback;
  }

  getBool(index: i32, fallback: bool = false): bool {
    const v = this.element(index, JsonKind.Bool, "a boolean");
    return v !== null ? v.boolValue : fallback;
  }

  getObject(index: i32): JsonObject | null {
    const v = this.element(index, JsonKind.Object, "an object");
    return v !== null ? new JsonObject(v, this.pathAt(index), this.errors) : null;
  }

  /** Every element as a string (wrong-typed elements recorded and skipped). */
  strings(): string[] {
    const out = new Array<string>();
    for (let i = 0; i < this.length; i++) {
      const v = this.element(i, JsonKind.String, "a string");
      if (v !== null) out.push(v.stringValue);
    }
    return out;
  }
}

/**
 * Parses a plugin configuration that must be a JSON object. An empty configuration counts as
 * `{}`. Syntax errors and a non-object top level are recorded in `errors` and give null.
 */
export function parseConfigObject(bytes: ArrayBuffer, errors: ConfigErrors): JsonObject | null {
  let value = new JsonValue(JsonKind.Object);
  if (bytes.byteLength > 0) {
    const parsed = parseJsonBytes(bytes);
    if (!parsed.ok) { errors.add("", parsed.error!); return null; }
    value = parsed.value!;
    if (!isKind(errors, "", value, JsonKind.Object, "an object")) return null;
  }
  return new JsonObject(value, "", errors);
}
