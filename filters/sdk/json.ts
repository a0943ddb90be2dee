// A small JSON (RFC 8259) reader for filter configurations, parsed once in onConfigure.
// Why our own: the npm options (assemblyscript-json 1.1.0, json-as 1.6.0) both compile on
// AssemblyScript 0.28 but abort — trap the whole VM — on malformed input, with no position;
// a filter must instead fail onConfigure with a log line that says where the config is wrong.
// This reader never traps on bad input: it returns an error naming the byte offset.
// Typed, path-aware getters for config fields live in json_view.ts.

export enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  boolValue: bool = false;
  numberValue: f64 = 0;
  stringValue: string = "";
  items: JsonValue[] = [];
  /** Object members; `keys` keeps document order (a repeated key keeps its first position). */
  members: Map<string, JsonValue> = new Map<string, JsonValue>();
  keys: string[] = [];

  static ofNull(): JsonValue { return new JsonValue(); }
  static ofBool(value: bool): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Bool; v.boolValue = value; return v; }
  static ofNumber(value: f64): JsonValue { const v = new JsonValue(); v.kind = JsonKind.Number; v.numberValue = value; return v; }
  static ofString(value: string): JsonValue { const v = new JsonValue(); v.kind = JsonKind.String; v.stringValue = value; return v; }

  get isNull(): bool { return this.kind == JsonKind.Null; }
  get isObject(): bool { return this.kind == JsonKind.Object; }
  get isArray(): bool { return this.kind == JsonKind.Array; }

  /** Member `key` of an object, or null (also when this is not an object). */
  get(key: string): JsonValue | null {
    return this.kind == JsonKind.Object && this.members.has(key) ? this.members.get(key) : null;
  }
}

export function jsonKindName(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "a boolean";
    case JsonKind.Number: return "a number";
    case JsonKind.String: return "a string";
    case JsonKind.Array: return "an array";
    default: return "an object";
  }
}

/** Either `value` or `error` ("invalid JSON at byte 12: expected ':' after object key"). */
export class JsonParseResult {
  constructor(public value: JsonValue | null, public error: string | null, public offset: i32) {}
  get ok(): bool { return this.error === null; }
}

const MAX_DEPTH = 64;

class Parser {
  pos: i32 = 0;
  error: string | null = null;
  errorAt: i32 = 0;
  constructor(public base: usize, public length: i32) {}

  fail(message: string): JsonValue | null {
    if (this.error === null) { this.error = message; this.errorAt = this.pos; }
    return null;
  }
  peek(): i32 { return this.pos < this.length ? <i32>load<u8>(this.base + <usize>this.pos) : -1; }
  skipWhitespace(): void {
    while (this.pos < this.length) {
      const c = load<u8>(this.base + <usize>this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }
  literal(word: string, value: JsonValue): JsonValue | null {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) return this.fail("unexpected character, expected '" + word + "'");
      this.pos++;
    }
    return value;
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString() + " levels");
    this.skipWhitespace();
    const c = this.peek();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) { const s = this.string(); return s === null ? null : JsonValue.ofString(s); }
    if (c == 0x74) return this.literal("true", JsonValue.ofBool(true));
    if (c == 0x66) return this.literal("false", JsonValue.ofBool(false));
    if (c == 0x6e) return this.literal("null", JsonValue.ofNull());
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c < 0) return this.fail("unexpected end of input, expected a value");
    return this.fail("unexpected character '" + String.fromCharCode(c) + "', expected a value");
  }

  object(depth: i32): JsonValue | null {
    const obj = new JsonValue();
    obj.kind = JsonKind.Object;
    this.pos++; // {
    this.skipWhitespace();
    if (this.peek() == 0x7d) { this.pos++; return obj; }
    while (true) {
      this.skipWhitespace();
      if (this.peek() != 0x22) return this.fail("expected '\"' to start an object key");
      const key = this.string();
      if (key === null) return null;
      this.skipWhitespace();
      if (this.peek() != 0x3a) return this.fail("expected ':' after object key");
      this.pos++;
      const member = this.value(depth + 1);
      if (member === null) return null;
      if (!obj.members.has(key)) obj.keys.push(key);
      obj.members.set(key, member);
      this.skipWhitespace();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x7d) { this.pos++; return obj; }
      return this.fail("expected ',' or '}' in object");
    }
  }

  array(depth: i32): JsonValue | null {
    const arr = new JsonValue();
    arr.kind = JsonKind.Array;
    this.pos++; // [
    this.skipWhitespace();
    if (this.peek() == 0x5d) { this.pos++; return arr; }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      arr.items.push(item);
      this.skipWhitespace();
      const c = this.peek();
      if (c == 0x2c) { this.pos++; continue; }
      if (c == 0x5d) { this.pos++; return arr; }
      return this.fail("expected ',' or ']' in array");
    }
  }

  digits(): i32 {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    return this.pos - start;
  }

  number(): JsonValue | null {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) this.pos++;
    else if (this.digits() == 0) return this.fail("expected a digit");
    if (this.peek() == 0x2e) { this.pos++; if (this.digits() == 0) return this.fail("expected a digit after '.'"); }
    if (this.peek() == 0x65 || this.peek() == 0x45) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      if (this.digits() == 0) return this.fail("expected a digit in exponent");
    }
    const text = String.UTF8.decodeUnsafe(this.base + <usize>start, <usize>(this.pos - start));
    return JsonValue.ofNumber(F64.parseFloat(text));
  }

  hex4(): i32 {
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      let digit = -1;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
      if (digit < 0) { this.fail("expected 4 hex digits after \\u"); return -1; }
      code = (code << 4) | digit;
      this.pos++;
    }
    return code;
  }

  /** Reads a string starting at '"'; fast path when it has no escapes. */
  string(): string | null {
    this.pos++; // opening quote
    const start = this.pos;
    while (true) {
      const c = this.peek();
      if (c < 0) { this.fail("unterminated string"); return null; }
      if (c == 0x22) { const s = String.UTF8.decodeUnsafe(this.base + <usize>start, <usize>(this.pos - start)); this.pos++; return s; }
      if (c == 0x5c) break;
      if (c < 0x20) { this.fail("control character in string"); return null; }
      this.pos++;
    }
    let out = String.UTF8.decodeUnsafe(this.base + <usize>start, <usize>(this.pos - start));
    while (true) {
      const c = this.peek();
      if (c < 0) { this.fail("unterminated string"); return null; }
      if (c == 0x22) { this.pos++; return out; }
      if (c < 0x20) { this.fail("control character in string"); return null; }
      if (c != 0x5c) {
        const runStart = this.pos;
        while (this.peek() >= 0x20 && this.peek() != 0x22 && this.peek() != 0x5c) this.pos++;
        out += String.UTF8.decodeUnsafe(this.base + <usize>runStart, <usize>(this.pos - runStart));
        continue;
      }
      this.pos++; // backslash
      const e = this.peek();
      this.pos++;
      if (e == 0x22) out += "\"";
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        const unit = this.hex4();
        if (unit < 0) return null;
        out += String.fromCharCode(unit); // surrogate pairs arrive as two \u escapes
      } else { this.pos--; this.fail("invalid escape in string"); return null; }
    }
  }
}

/** Parses UTF-8 JSON bytes (e.g. the plugin configuration). */
export function parseJsonBytes(bytes: ArrayBuffer): JsonParseResult {
  const parser = new Parser(changetype<usize>(bytes), bytes.byteLength);
  const value = parser.value(0);
  if (value !== null) {
    parser.skipWhitespace();
    if (parser.pos < parser.length) parser.fail("unexpected data after the JSON value");
  }
  if (parser.error !== null) {
    return new JsonParseResult(null, "invalid JSON at byte " + parser.errorAt.toString() + ": " + parser.error!, parser.errorAt);
  }
  return new JsonParseResult(value, null, 0);
}

export function parseJson(text: string): JsonParseResult {
  return parseJsonBytes(String.UTF8.encode(text));
}
