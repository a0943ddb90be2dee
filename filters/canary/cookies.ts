// Cookie parsing and the sticky cookie (RFC 6265 §4.2.1 Cookie header: "name=value" pairs
// separated by "; "; §4.1 Set-Cookie attributes).

/** Value of cookie `name` in a Cookie request header, or null. The first occurrence wins. */
export function cookieValue(cookieHeader: string, name: string): string | null {
  let start = 0;
  const length = cookieHeader.length;
  while (start < length) {
    let end = cookieHeader.indexOf(";", start);
    if (end < 0) end = length;
    // Skip the optional whitespace after ";" (browsers send "; ").
    let pairStart = start;
    while (pairStart < end && (cookieHeader.charCodeAt(pairStart) == 0x20 || cookieHeader.charCodeAt(pairStart) == 0x09)) pairStart++;
    const equals = cookieHeader.indexOf("=", pairStart);
    if (equals > pairStart && equals < end && equals - pairStart == name.length &&
        cookieHeader.substring(pairStart, equals) == name) {
      let value = cookieHeader.substring(equals + 1, end).trimEnd();
      // RFC 6265 allows the value in double quotes.
      if (value.length >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length - 1);
      return value;
    }
    start = end + 1;
  }
  return null;
}

/** Set-Cookie value for the sticky cookie: Path=/, HttpOnly, SameSite=Lax, Max-Age, Secure. */
export function stickyCookie(name: string, value: string, maxAgeSeconds: u32, secure: bool): string {
  let cookie = name + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds.toString() + "; HttpOnly; SameSite=Lax";
  if (secure) cookie += "; Secure";
  return cookie;
}
