// A small JSON (RFC 8259) reader for filter configurations (parsed once in onConfigure) and
// JWT segments. Why our own: the npm options (assemblyscript-json 1.1.0, json-as 1.6.0) both
// compile on AssemblyScript 0.28 but abort — trap the whole VM — on malformed input, with no
// position; a filter must instead fail onConfigure with a log line that says where the config
// is wrong. This reader never traps on bad input: it returns an error naming the byte offset.
// Typed, path-aware getters for config fields live in json_view.ts.
//
// Size matters (every filter links this file): one value class, members kept as two parallel
// arrays instead of a Map per value, and numbers converted here instead of through the standard
// library's parseFloat (see decimalToF64).

export enum JsonKind { Null, Bool, Number, String, Array, Object }

// Scalars share these (never written to): a value allocates arrays only when it is a container.
const NO_ITEMS: JsonValue[] = [];
const NO_KEYS: string[] = [];

/** Objects with more members than this get a hash index (large `routes` maps); smaller ones are scanned. */
const LINEAR_MEMBERS = 8;

export class JsonValue {
  boolValue: bool = false;
  numberValue: f64 = 0;
  /** A string's value; for a number, its text as written (messages quote it without reformatting). */
  stringValue: string = "";
  /** Elements of an array, or the member values of an object in the order of `keys`. */
  items: JsonValue[] = NO_ITEMS;
  /** Member names of an object in document order; a repeated name keeps its first position and its last value. */
  keys: string[] = NO_KEYS;
  /** Open addressing over `keys` for objects with many members: member index + 1 per slot, 0 = empty. */
  private slots: StaticArray<i32> | null = null;

  constructor(public kind: JsonKind = JsonKind.Null) {
    if (kind >= JsonKind.Array) this.items = [];
    if (kind == JsonKind.Object) this.keys = [];
  }

  get isNull(): bool { return this.kind == JsonKind.Null; }
  get isObject(): bool { return this.kind == JsonKind.Object; }
  get isArray(): bool { return this.kind == JsonKind.Array; }

  /** Member `key` of an object, or null (also when this is not an object). */
  get(key: string): JsonValue | null {
    const at = this.indexOf(key);
    return at >= 0 ? unchecked(this.items[at]) : null;
  }

  /** Whether an object has member `key` (of any value, null included). */
  has(key: string): bool { return this.indexOf(key) >= 0; }

  /** Position of member `key` in `keys`, or -1. */
  indexOf(key: string): i32 {
    const keys = this.keys;
    const slots = this.slots;
    if (slots === null) {
      for (let i = 0; i < keys.length; i++) if (unchecked(keys[i]) == key) return i;
      return -1;
    }
    const mask = slots.length - 1;
    let at = hashKey(key) & mask;
    let stored = unchecked(slots[at]);
    while (stored != 0 && unchecked(keys[stored - 1]) != key) {
      at = (at + 1) & mask;
      stored = unchecked(slots[at]);
    }
    return stored - 1;
  }

  /** Adds member `key`, or replaces its value when the name is already there (the parser's rule for repeated names). */
  put(key: string, value: JsonValue): void {
    const at = this.indexOf(key);
    if (at >= 0) { unchecked(this.items[at] = value); return; }
    this.keys.push(key);
    this.items.push(value);
    const count = this.keys.length;
    if (count <= LINEAR_MEMBERS) return;
    let slots = this.slots;
    // At most half full, so probes stay short and always reach an empty slot.
    if (slots === null || count * 2 > slots.length) {
      slots = new StaticArray<i32>(<i32>nextPowerOf2(<u32>count * 4));
      this.slots = slots;
      for (let i = 0; i < count; i++) place(slots, unchecked(this.keys[i]), i);
    } else {
      place(slots, key, count - 1);
    }
  }
}

function nextPowerOf2(n: u32): u32 { return <u32>1 << (32 - clz<u32>(n - 1)); }

/** FNV-1a over the UTF-16 code units. */
function hashKey(key: string): i32 {
  let hash: u32 = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = (hash ^ <u32>key.charCodeAt(i)) * 0x01000193;
  return <i32>hash;
}

function place(slots: StaticArray<i32>, key: string, index: i32): void {
  const mask = slots.length - 1;
  let at = hashKey(key) & mask;
  while (unchecked(slots[at]) != 0) at = (at + 1) & mask;
  unchecked(slots[at] = index + 1);
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

/**
 * `mantissa` × 10^`exponent` as the nearest f64 when the mantissa has at most 53 bits and
 * |exponent| ≤ 22: both factors are then exact doubles and one IEEE multiplication or division
 * rounds correctly (Clinger's fast path). That covers every integer up to 2^53 and decimals
 * with up to 15 significant digits, all that configurations and JWT claims use. Other numbers
 * are scaled in steps of 10^22, within a few units in the last place of the nearest double.
 */
function decimalToF64(mantissa: u64, exponent: i32): f64 {
  let value = <f64>mantissa;
  while (exponent > 22) { value *= 1e22; exponent -= 22; }
  while (exponent < -22) { value /= 1e22; exponent += 22; }
  let scale = 1.0;
  for (let i = exponent < 0 ? -exponent : exponent; i > 0; i--) scale *= 10; // exact up to 1e22
  return exponent < 0 ? value / scale : value * scale;
}

class Parser {
  pos: i32 = 0;
  error: string | null = null;
  errorAt: i32 = 0;
  /** The number being read: its decimal digits (the first 19 significant ones; later ones only move the exponent) and power of ten. */
  mantissa: u64 = 0;
  significant: i32 = 0;
  exponent: i32 = 0;
  constructor(public base: usize, public length: i32) {}

  fail(message: string): JsonValue | null {
    if (this.error === null) { this.error = message; this.errorAt = this.pos; }
    return null;
  }
  peek(): i32 { return this.pos < this.length ? <i32>load<u8>(this.base + <usize>this.pos) : -1; }
  skipWhitespace(): i32 {
    let c = this.peek();
    while (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) { this.pos++; c = this.peek(); }
    return c;
  }
  text(start: i32): string { return String.UTF8.decodeUnsafe(this.base + <usize>start, <usize>(this.pos - start)); }

  literal(word: string, value: JsonValue): JsonValue | null {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() != word.charCodeAt(i)) return this.fail("unexpected character, expected '" + word + "'");
      this.pos++;
    }
    return value;
  }

  value(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting deeper than " + MAX_DEPTH.toString() + " levels");
    const c = this.skipWhitespace();
    if (c == 0x7b || c == 0x5b) return this.container(depth, c == 0x7b);
    if (c == 0x22) {
      const s = this.string();
      if (s === null) return null;
      const v = new JsonValue(JsonKind.String);
      v.stringValue = s;
      return v;
    }
    if (c == 0x74 || c == 0x66) {
      const v = new JsonValue(JsonKind.Bool);
      v.boolValue = c == 0x74;
      return this.literal(c == 0x74 ? "true" : "false", v);
    }
    if (c == 0x6e) return this.literal("null", new JsonValue());
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c < 0) return this.fail("unexpected end of input, expected a value");
    return this.fail("unexpected character '" + String.fromCharCode(c) + "', expected a value");
  }

  /** An object (members "key": value) or an array, starting at its opening bracket. */
  container(depth: i32, isObject: bool): JsonValue | null {
    const out = new JsonValue(isObject ? JsonKind.Object : JsonKind.Array);
    const close = isObject ? 0x7d : 0x5d;
    this.pos++;
    if (this.skipWhitespace() == close) { this.pos++; return out; }
    while (true) {
      let key = "";
      if (isObject) {
        if (this.skipWhitespace() != 0x22) return this.fail("expected '\"' to start an object key");
        const name = this.string();
        if (name === null) return null;
        if (this.skipWhitespace() != 0x3a) return this.fail("expected ':' after object key");
        this.pos++;
        key = name;
      }
      const member = this.value(depth + 1);
      if (member === null) return null;
      if (isObject) out.put(key, member);
      else out.items.push(member);
      const c = this.skipWhitespace();
      this.pos++;
      if (c == 0x2c) continue;
      if (c == close) return out;
      this.pos--;
      return this.fail(isObject ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
    }
  }

  digits(fraction: bool): i32 {
    const start = this.pos;
    for (let c = this.peek(); c >= 0x30 && c <= 0x39; c = this.peek()) {
      if (this.significant < 19) {
        this.mantissa = this.mantissa * 10 + <u64>(c - 0x30);
        if (this.mantissa != 0) this.significant++;
        if (fraction) this.exponent--;
      } else if (!fraction) {
        this.exponent++;
      }
      this.pos++;
    }
    return this.pos - start;
  }

  number(): JsonValue | null {
    const start = this.pos;
    this.mantissa = 0; this.significant = 0; this.exponent = 0;
    const negative = this.peek() == 0x2d;
    if (negative) this.pos++;
    if (this.peek() == 0x30) this.pos++;
    else if (this.digits(false) == 0) return this.fail("expected a digit");
    if (this.peek() == 0x2e) { this.pos++; if (this.digits(true) == 0) return this.fail("expected a digit after '.'"); }
    let c = this.peek();
    if (c == 0x65 || c == 0x45) {
      this.pos++;
      c = this.peek();
      const negativeExponent = c == 0x2d;
      if (c == 0x2b || c == 0x2d) this.pos++;
      const digitsStart = this.pos;
      let written = 0;
      for (c = this.peek(); c >= 0x30 && c <= 0x39; c = this.peek()) {
        if (written < 100000) written = written * 10 + (c - 0x30); // beyond that it is 0 or infinity anyway
        this.pos++;
      }
      if (this.pos == digitsStart) return this.fail("expected a digit in exponent");
      this.exponent += negativeExponent ? -written : written;
    }
    const v = new JsonValue(JsonKind.Number);
    const magnitude = decimalToF64(this.mantissa, this.exponent);
    v.numberValue = negative ? -magnitude : magnitude;
    v.stringValue = this.text(start);
    return v;
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

  /** Reads a string starting at '"'; runs without escapes are decoded in one piece. */
  string(): string | null {
    this.pos++; // opening quote
    let out = "";
    let run = this.pos;
    while (true) {
      const c = this.peek();
      if (c < 0) { this.fail("unterminated string"); return null; }
      if (c < 0x20) { this.fail("control character in string"); return null; }
      if (c == 0x22 || c == 0x5c) {
        if (this.pos > run) out = out.length == 0 ? this.text(run) : out + this.text(run);
        this.pos++;
        if (c == 0x22) return out;
        const e = this.peek();
        this.pos++;
        let unit = -1;
        if (e == 0x22 || e == 0x5c || e == 0x2f) unit = e;
        else if (e == 0x62) unit = 0x08;
        else if (e == 0x66) unit = 0x0c;
        else if (e == 0x6e) unit = 0x0a;
        else if (e == 0x72) unit = 0x0d;
        else if (e == 0x74) unit = 0x09;
        else if (e == 0x75) { unit = this.hex4(); if (unit < 0) return null; } // surrogate pairs arrive as two \u escapes
        else { this.pos--; this.fail("invalid escape in string"); return null; }
        out += String.fromCharCode(unit);
        run = this.pos;
        continue;
      }
      this.pos++;
    }
  }
}

/** Parses UTF-8 JSON bytes (e.g. the plugin configuration). */
export function parseJsonBytes(bytes: ArrayBuffer): JsonParseResult {
  const parser = new Parser(changetype<usize>(bytes), bytes.byteLength);
  const value = parser.value(0);
  if (value !== null && parser.skipWhitespace() >= 0) parser.fail("unexpected data after the JSON value");
  if (parser.error !== null) {
    return new JsonParseResult(null, "invalid JSON at byte " + parser.errorAt.toString() + ": " + parser.error!, parser.errorAt);
  }
  return new JsonParseResult(value, null, 0);
}

export function parseJson(text: string): JsonParseResult {
  return parseJsonBytes(String.UTF8.encode(text));
}
