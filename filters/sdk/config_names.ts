// Syntax checks for names taken from configuration, so a typo fails onConfigure instead of
// silently never matching. Header names: RFC 9110 §5.1 tokens, lower-case because Envoy and
// HTTP/2 store header names lower-cased (a rule on "X-User" would never match). Cookie names:
// RFC 6265 §4.1.1 (a token as well).

function isTokenChar(c: i32): bool {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) return true;
  // !#$%&'*+-.^_`|~
  return c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a ||
    c == 0x2b || c == 0x2d || c == 0x2e || c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
}

/** Why `name` cannot be a request header name in Envoy, or null when it can. */
export function headerNameProblem(name: string): string | null {
  if (name.length == 0) return "must not be empty";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return "must be lower-case (Envoy lower-cases header names)";
    if (!isTokenChar(c)) return "is not a valid header name";
  }
  return null;
}

/** Why `name` cannot be a cookie name, or null when it can. */
export function cookieNameProblem(name: string): string | null {
  if (name.length == 0) return "must not be empty";
  for (let i = 0; i < name.length; i++) {
    if (!isTokenChar(name.charCodeAt(i))) return "is not a valid cookie name";
  }
  return null;
}
