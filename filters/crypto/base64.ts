// Base64 and base64url decoding (RFC 4648 §4 and §5). Strict: characters of the other
// alphabet, misplaced padding, an impossible length, and non-zero bits in the last character
// (RFC 4648 §3.5, "canonical encoding") are all rejected, so one token has one spelling.
// Padding is optional in both forms: JWTs and JWKS omit it (RFC 7515 §2), Basic auth has it.

/** 6-bit value of `c` in the chosen alphabet, or -1. */
function sextet(c: i32, url: bool): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26; // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52; // 0-9
  if (url) {
    if (c == 0x2d) return 62; // '-'
    if (c == 0x5f) return 63; // '_'
  } else {
    if (c == 0x2b) return 62; // '+'
    if (c == 0x2f) return 63; // '/'
  }
  return -1;
}

/** Decodes the `length` UTF-16 code units of `text` starting at `start`; null when not valid. */
export function decodeBase64Range(text: string, start: i32, length: i32, url: bool): Uint8Array | null {
  let end = start + length;
  // Strip at most two '=' and only when they complete a 4-character group.
  if (length > 0 && length % 4 == 0 && text.charCodeAt(end - 1) == 0x3d) {
    end--;
    if (text.charCodeAt(end - 1) == 0x3d) end--;
  }
  const chars = end - start;
  const tail = chars % 4;
  if (tail == 1) return null;
  const out = new Uint8Array((chars / 4) * 3 + (tail == 0 ? 0 : tail - 1));
  let accumulator: u32 = 0;
  let bits = 0;
  let written = 0;
  for (let i = start; i < end; i++) {
    const value = sextet(text.charCodeAt(i), url);
    if (value < 0) return null;
    accumulator = (accumulator << 6) | <u32>value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unchecked(out[written++] = <u8>(accumulator >>> <u32>bits));
    }
  }
  // Leftover bits (2 or 4) must be zero, or two spellings would decode to the same bytes.
  if ((accumulator & ((<u32>1 << <u32>bits) - 1)) != 0) return null;
  return out;
}

export function decodeBase64(text: string): Uint8Array | null {
  return decodeBase64Range(text, 0, text.length, false);
}

export function decodeBase64Url(text: string): Uint8Array | null {
  return decodeBase64Range(text, 0, text.length, true);
}

/** Lower-case or upper-case hex to bytes (config digests); null when not even-length hex. */
export function decodeHex(text: string): Uint8Array | null {
  if (text.length % 2 != 0) return null;
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(text.charCodeAt(2 * i));
    const low = hexValue(text.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return null;
    unchecked(out[i] = <u8>((high << 4) | low));
  }
  return out;
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
