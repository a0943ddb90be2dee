import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeHeaderMap, encodeHeaderMap, PropertyValue, SerializationError, splitPropertyPath } from "./serialization.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("header map serialization", () => {
  it("encodes {a:1, b:22} as the 29 bytes of docs/proxy-wasm-abi.md, Header maps", () => {
    const bytes = encodeHeaderMap([["a", "1"], ["b", "22"]]);
    expect(bytes.length).toBe(29);
    expect(hex(bytes)).toBe("02000000" + "01000000" + "01000000" + "01000000" + "02000000" + "6100" + "3100" + "6200" + "323200");
  });

  it.each([
    ["zero bytes", new Uint8Array(0)],
    ["a single NUL", Uint8Array.of(0)],
    ["a zero count", Uint8Array.of(0, 0, 0, 0)],
  ])("accepts the empty map as %s", (_name, bytes) => {
    expect(decodeHeaderMap(bytes)).toEqual([]);
  });

  it("keeps order, repeats and UTF-8", () => {
    const pairs: Array<[string, string]> = [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-name", "Zoë ✓"]];
    expect(decodeHeaderMap(encodeHeaderMap(pairs))).toEqual(pairs);
  });

  it("round-trips any map", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }), (pairs) => {
      expect(decodeHeaderMap(encodeHeaderMap(pairs as Array<[string, string]>))).toEqual(pairs);
    }), { numRuns: 200 });
  });

  it.each([
    ["a count without sizes", Uint8Array.of(3, 0, 0, 0), /count 3 needs 28 bytes/],
    ["a pair running past the end", Uint8Array.of(1, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0x61), /pair 0 .* runs past the end/],
    ["two bytes", Uint8Array.of(1, 0), /shorter than the 4-byte count/],
  ])("rejects %s with a clear message", (_name, bytes, message) => {
    expect(() => decodeHeaderMap(bytes)).toThrowError(SerializationError);
    expect(() => decodeHeaderMap(bytes)).toThrowError(message);
  });
});

describe("property paths", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it.each([
    ["Rust/Go form (no trailing NUL)", "xds\0route_name", ["xds", "route_name"]],
    ["C++ form (trailing NUL)", "xds\0route_name\0", ["xds", "route_name"]],
    ["single segment", "plugin_name", ["plugin_name"]],
    ["inner empty segment kept", "a\0\0b", ["a", "", "b"]],
  ])("splits the %s", (_name, path, segments) => {
    expect(splitPropertyPath(enc(path))).toEqual(segments);
  });
});

describe("property values", () => {
  it("encodes integers as 8-byte little-endian and bools as one byte", () => {
    expect(hex(PropertyValue.int64(8080))).toBe("901f000000000000");
    expect(hex(PropertyValue.int64(-1))).toBe("ffffffffffffffff");
    expect(hex(PropertyValue.bool(true))).toBe("01");
  });
});
