// UTF-8 helpers tuned for the short ASCII strings that dominate proxy-wasm traffic (header
// names and values). TextEncoder/TextDecoder have a fixed cost per call that dwarfs the work for
// a few bytes, and a request makes many such calls, so ASCII takes a loop and anything else
// falls back to the standard codecs.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
const SHORT = 64;

export function decodeUtf8(bytes: Uint8Array, offset: number, length: number): string {
  if (length <= SHORT) {
    let out = "";
    for (let i = 0; i < length; i++) {
      const c = bytes[offset + i]!;
      if (c >= 0x80) return decoder.decode(bytes.subarray(offset, offset + length));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return decoder.decode(bytes.subarray(offset, offset + length));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Number of bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  if (isAscii(text)) return text.length;
  return encoder.encode(text).length;
}

/** Writes `text` as UTF-8 at `offset`; returns the number of bytes written. */
export function writeUtf8(text: string, into: Uint8Array, offset: number): number {
  if (text.length <= SHORT && isAscii(text)) {
    for (let i = 0; i < text.length; i++) into[offset + i] = text.charCodeAt(i);
    return text.length;
  }
  return encoder.encodeInto(text, into.subarray(offset)).written;
}

export function encodeUtf8(text: string): Uint8Array {
  if (text.length <= SHORT && isAscii(text)) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  return encoder.encode(text);
}
