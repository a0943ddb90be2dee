// ASCII-only lower-casing for protocol tokens (header names, auth schemes, JOSE alg names).
// String#toLowerCase would do, but it links AssemblyScript's full Unicode case tables (~15 KB
// of the module), and none of these tokens may contain non-ASCII letters anyway.

export function asciiLower(text: string): string {
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
  }
  if (i == text.length) return text;
  let out = text.substring(0, i);
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}
