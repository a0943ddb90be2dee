// Wire formats of proxy-wasm ABI 0.2.x (docs/proxy-wasm-abi.md "Header maps"; proxy-wasm-cpp-host
// src/pairs_util.cc):
//   header map: u32 N, N x (u32 key_len, u32 value_len), N x (key, 0x00, value, 0x00), all LE.
//   property path: segments joined with 0x00 (C++ SDK adds a trailing 0x00 -> dropped).
//   property values as Envoy encodes them: strings raw, integers 8-byte LE, bool 1 byte.
import { decodeUtf8, encodeUtf8, utf8Length, writeUtf8 } from "./utf8.ts";

/** A header map as an ordered list of (name, value) pairs; names may repeat. */
export type HeaderPairs = Array<[string, string]>;

export function serializedHeaderMapSize(pairs: HeaderPairs): number {
  let size = 4;
  for (const [key, value] of pairs) size += 8 + utf8Length(key) + utf8Length(value) + 2;
  return size;
}

/** Serializes into `into` at `offset` (which must have serializedHeaderMapSize bytes). */
export function writeHeaderMap(pairs: HeaderPairs, into: Uint8Array, offset: number): void {
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  view.setUint32(offset, pairs.length, true);
  let sizes = offset + 4;
  let data = offset + 4 + pairs.length * 8;
  for (const [key, value] of pairs) {
    const keyLen = writeUtf8(key, into, data);
    into[data + keyLen] = 0;
    data += keyLen + 1;
    const valueLen = writeUtf8(value, into, data);
    into[data + valueLen] = 0;
    data += valueLen + 1;
    view.setUint32(sizes, keyLen, true);
    view.setUint32(sizes + 4, valueLen, true);
    sizes += 8;
  }
}

export function encodeHeaderMap(pairs: HeaderPairs): Uint8Array {
  const out = new Uint8Array(serializedHeaderMapSize(pairs));
  writeHeaderMap(pairs, out, 0);
  return out;
}

export class SerializationError extends Error {}

/**
 * Parses a serialized header map. Every empty form real SDKs send is accepted: zero bytes, a
 * single 0x00 and `00000000` (the spec's own example is wrong; docs/proxy-wasm-abi.md "Header maps").
 */
export function decodeHeaderMap(bytes: Uint8Array): HeaderPairs {
  if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0)) return [];
  if (bytes.length < 4) throw new SerializationError(`header map: ${bytes.length} bytes is shorter than the 4-byte count`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  let sizes = 4;
  let data = 4 + count * 8;
  if (data > bytes.length) throw new SerializationError(`header map: count ${count} needs ${data} bytes of sizes, have ${bytes.length}`);
  const pairs: HeaderPairs = [];
  for (let i = 0; i < count; i++) {
    const keyLen = view.getUint32(sizes, true);
    const valueLen = view.getUint32(sizes + 4, true);
    sizes += 8;
    if (data + keyLen + valueLen + 2 > bytes.length) {
      throw new SerializationError(`header map: pair ${i} (key ${keyLen} + value ${valueLen} bytes) runs past the end (${bytes.length} bytes)`);
    }
    const key = decodeUtf8(bytes, data, keyLen);
    data += keyLen + 1;
    const value = decodeUtf8(bytes, data, valueLen);
    data += valueLen + 1;
    pairs.push([key, value]);
  }
  return pairs;
}

/**
 * cpp-host's PairsUtil::toPairs: a map that does not decode (short, a length past the end, a
 * missing NUL, bytes left over) is taken as no pairs at all, never as an error.
 */
export function decodeHeaderMapOrEmpty(bytes: Uint8Array): HeaderPairs {
  let pairs: HeaderPairs;
  try {
    pairs = decodeHeaderMap(bytes);
  } catch (error) {
    if (error instanceof SerializationError) return [];
    throw error;
  }
  if (pairs.length === 0) return pairs;
  let end = 4 + pairs.length * 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < pairs.length; i++) {
    end += view.getUint32(4 + i * 8, true);
    if (bytes[end] !== 0) return [];
    end += 1 + view.getUint32(8 + i * 8, true);
    if (bytes[end] !== 0) return [];
    end++;
  }
  return end === bytes.length ? pairs : [];
}

/** Splits a property path on 0x00, dropping one trailing empty segment (C++ SDK form). */
export function splitPropertyPath(bytes: Uint8Array): string[] {
  const segments: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0) {
      segments.push(decodeUtf8(bytes, start, i - start));
      start = i + 1;
    }
  }
  if (segments.length > 1 && segments[segments.length - 1] === "") segments.pop();
  return segments;
}

/**
 * The canonical key of a serialized path (segments joined by one NUL, no trailing NUL) without
 * splitting: the per-request property read stays one string decode.
 */
export function propertyPathKey(bytes: Uint8Array): string {
  const end = bytes.length > 1 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  return decodeUtf8(bytes, 0, end);
}

/** Joins path segments the way the Rust and Go SDKs do (no trailing NUL). */
export function joinPropertyPath(segments: string[]): string {
  return segments.join("\0");
}

/** Property value encodings used by Envoy (extensions/filters/common/expr, wasm context.cc). */
export const PropertyValue = {
  string(text: string): Uint8Array {
    return encodeUtf8(text);
  },
  int64(value: bigint | number): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, BigInt(value), true);
    return out;
  },
  uint64(value: bigint | number): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
    return out;
  },
  double(value: number): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value, true);
    return out;
  },
  bool(value: boolean): Uint8Array {
    return Uint8Array.of(value ? 1 : 0);
  },
  /** Maps (e.g. request.headers) travel in the header-map pair format. */
  map(pairs: HeaderPairs): Uint8Array {
    return encodeHeaderMap(pairs);
  },
};
