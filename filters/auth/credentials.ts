// Where credentials sit in a request: the Authorization header (RFC 9110 §11.6.2, schemes
// Bearer — RFC 6750 §2.1 — and Basic — RFC 7617 §2), an API-key header, or a query parameter.
// Pure string functions, so logic.wasm.ts can test them without a host.
import { decodeBase64 } from "../crypto/base64";
import { asciiLower } from "./ascii";

/** `Authorization: <scheme> <credentials>` split; scheme compared case-insensitively. */
export class AuthorizationValue {
  constructor(public readonly scheme: string, public readonly credentials: string) {}
  is(scheme: string): bool { return asciiLower(this.scheme) == scheme; }
}

/** Splits an Authorization header value; null when it has no credentials part. */
export function parseAuthorization(value: string | null): AuthorizationValue | null {
  if (value === null) return null;
  const text = value.trim();
  const space = text.indexOf(" ");
  if (space <= 0) return null;
  const credentials = text.substring(space + 1).trim();
  if (credentials.length == 0) return null;
  return new AuthorizationValue(text.substring(0, space), credentials);
}

export class BasicCredentials {
  constructor(public readonly username: string, public readonly password: string) {}
}

/** RFC 7617 §2: base64(user-id ":" password), the user-id without a colon; null when malformed. */
export function parseBasicCredentials(encoded: string): BasicCredentials | null {
  const bytes = decodeBase64(encoded);
  if (bytes === null) return null;
  const text = String.UTF8.decode(bytes.buffer);
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return new BasicCredentials(text.substring(0, colon), text.substring(colon + 1));
}

/**
 * The first value of query parameter `name` in a request target (`/path?a=1&b=2`), decoded
 * (percent escapes and '+' as space, per the URL Standard's application/x-www-form-urlencoded),
 * or null when absent or badly escaped.
 */
export function queryParameter(target: string, name: string): string | null {
  const question = target.indexOf("?");
  if (question < 0) return null;
  let end = target.indexOf("#", question);
  if (end < 0) end = target.length;
  let start = question + 1;
  while (start <= end) {
    let amp = target.indexOf("&", start);
    if (amp < 0 || amp > end) amp = end;
    const pair = target.substring(start, amp);
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.substring(0, equals);
    if (key.length > 0) {
      const decodedKey = percentDecode(key);
      if (decodedKey !== null && decodedKey == name) return percentDecode(equals < 0 ? "" : pair.substring(equals + 1));
    }
    start = amp + 1;
  }
  return null;
}

/** Decodes %XX escapes (as UTF-8) and '+'; null on a broken escape or invalid UTF-8 escape bytes. */
export function percentDecode(text: string): string | null {
  if (text.indexOf("%") < 0 && text.indexOf("+") < 0) return text;
  const utf8 = String.UTF8.encode(text);
  const input = Uint8Array.wrap(utf8);
  const out = new Uint8Array(input.length);
  let written = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c == 0x2b) { out[written++] = 0x20; continue; }
    if (c != 0x25) { out[written++] = c; continue; }
    if (i + 2 >= input.length) return null;
    const high = hexDigit(input[i + 1]), low = hexDigit(input[i + 2]);
    if (high < 0 || low < 0) return null;
    out[written++] = <u8>((high << 4) | low);
    i += 2;
  }
  return String.UTF8.decode(out.slice(0, written).buffer);
}

function hexDigit(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x41 + 10;
  return -1;
}
