// The request path as Envoy's HTTP connection manager rewrites it before routing
// (http_connection_manager.proto: path_with_escaped_slashes_action, normalize_path,
// merge_slashes; source/common/http/conn_manager_utility.cc maybeNormalizePath and
// source/common/http/path_utility.cc), in Envoy's order:
//  1. escaped slashes: %2F/%2f/%5C/%5c in the path (not the query) are unescaped; the action
//     then rejects (400), redirects (307 to the final path) or forwards;
//  2. normalize_path: `..;x` and `.;x` segments lose their parameters, then the path is
//     canonicalized as Chromium's URL library does it (url_canon_path.cc, which Envoy
//     vendors): `\` becomes `/`, dot segments go (RFC 3986 §5.2.4, `%2e` counting as a dot,
//     never above the root), escapes of unreserved characters (RFC 3986 §2.3) are decoded and
//     other escapes kept as written, characters a path may not hold are escaped (upper-case
//     hex), `%00` fails the request (400), and a `%` whose escape only appears after decoding
//     (`%%32%65`) becomes `%25`;
//  3. merge_slashes: runs of `/` become one.
// The query is never touched.

export type EscapedSlashesAction = "KEEP_UNCHANGED" | "REJECT_REQUEST" | "UNESCAPE_AND_REDIRECT" | "UNESCAPE_AND_FORWARD";

export interface PathNormalization {
  normalizePath: boolean;
  mergeSlashes: boolean;
  escapedSlashesAction: EscapedSlashesAction;
}

export type NormalizedPath =
  | { action: "continue"; pathAndQuery: string }
  | { action: "redirect"; pathAndQuery: string }
  | { action: "reject" };

// Character classes of Chromium's path table (kPathCharLookup in Envoy's fork).
const PASS = 0, ESCAPE = 1, UNESCAPE = 2, INVALID = 3;
const CLASS = new Uint8Array(256).fill(ESCAPE);
for (const c of "!$&'()*+,/:;=@[]") CLASS[c.charCodeAt(0)] = PASS;
for (const c of "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") CLASS[c.charCodeAt(0)] = UNESCAPE;
CLASS[0] = INVALID;
const SLASH = 0x2f, BACKSLASH = 0x5c, DOT = 0x2e, PERCENT = 0x25;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The byte an escape `%XY` at `at` stands for, or -1. */
function escapeAt(s: string, at: number, end = s.length): number {
  if (at + 3 > end || s.charCodeAt(at) !== PERCENT) return -1;
  const hi = hexValue(s.charCodeAt(at + 1)), lo = hexValue(s.charCodeAt(at + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** Length of a dot at `at`: 1 for `.`, 3 for `%2e`/`%2E`, else 0. */
function dotLength(s: string, at: number): number {
  if (s.charCodeAt(at) === DOT) return 1;
  return s.charCodeAt(at) === PERCENT && s.charCodeAt(at + 1) === 0x32 && (s.charCodeAt(at + 2) | 0x20) === 0x65 ? 3 : 0;
}

const isSlash = (code: number) => code === SLASH || code === BACKSLASH;
const HEX = "0123456789ABCDEF";

/** Appends `%XY` (upper-case hex, Chromium's AppendEscapedChar), one character per entry. */
function pushEscaped(out: string[], byte: number): void {
  out.push("%", HEX[byte >> 4]!, HEX[byte & 15]!);
}

/** After an invalid `%` was followed by decoded characters: if the output now spells a valid
 *  escape, that `%` is written as `%25` (CheckForNestedEscapes). */
function fixNestedEscape(out: string[], percentAt: number, input: string, next: number): void {
  const appendNext = percentAt === out.length - 2;
  const lastDecoded = out[out.length - 1]!;
  if (appendNext) {
    if (next >= input.length || input.charCodeAt(next) >= 0x80) return;
    out.push(input[next]!);
  }
  if (escapeAt(out.slice(percentAt, percentAt + 3).join(""), 0) >= 0) {
    if (!appendNext) out.push(out[percentAt + 1]!);
    out[percentAt + 1] = "2";
    out[percentAt + 2] = "5";
    out.push(lastDecoded);
  } else if (appendNext) {
    out.pop();
  }
}

/** Chromium's CanonicalizePath over a path (no query); undefined when it fails. */
export function canonicalizePath(path: string): string | undefined {
  // One character per entry: positions are character offsets, as in Chromium's output buffer.
  const out: string[] = [];
  if (!path.length || !isSlash(path.charCodeAt(0))) out.push("/");
  let ok = true;
  let invalidPercentAt = Number.MIN_SAFE_INTEGER;
  const endsWithSlash = () => out[out.length - 1] === "/";
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    const dot = dotLength(path, i);
    if (dot) {
      if (!endsWithSlash()) { out.push("."); i += dot - 1; continue; }
      const after = i + dot;
      let consumed = -1; // -1: not a directory; else characters after the first dot
      let up = false;
      if (after === path.length) consumed = 0;
      else if (isSlash(path.charCodeAt(after))) consumed = 1;
      else {
        const second = dotLength(path, after);
        if (second && (after + second === path.length)) { consumed = second; up = true; }
        else if (second && isSlash(path.charCodeAt(after + second))) { consumed = second + 1; up = true; }
      }
      if (consumed < 0) { out.push("."); i += dot - 1; continue; }
      if (up && out.length > 1) {
        let j = out.length - 2;
        while (j > 0 && out[j] !== "/") j--;
        out.length = j + 1;
      }
      i += dot + consumed - 1;
      continue;
    }
    if (code === BACKSLASH) { out.push("/"); continue; }
    if (code === PERCENT) {
      const value = escapeAt(path, i);
      if (value < 0) {
        invalidPercentAt = out.length;
        out.push("%");
        continue;
      }
      const kind = CLASS[value]!;
      if (kind === UNESCAPE) {
        out.push(String.fromCharCode(value));
        if (invalidPercentAt >= out.length - 3) fixNestedEscape(out, invalidPercentAt, path, i + 3);
      } else {
        // Kept as written: a server may care about the case of the hex digits.
        out.push("%", path[i + 1]!, path[i + 2]!);
        if (kind === INVALID) ok = false;
      }
      i += 2;
      continue;
    }
    if (code > 0xff) {
      // Not from an HTTP/1 codec (it refuses non-ASCII targets); escaped as UTF-8 bytes.
      const char = String.fromCodePoint(path.codePointAt(i)!);
      for (const byte of Buffer.from(char)) pushEscaped(out, byte);
      i += char.length - 1;
      continue;
    }
    const kind = CLASS[code]!;
    if (kind === INVALID || kind === ESCAPE) pushEscaped(out, code);
    if (kind === INVALID) ok = false;
    else if (kind !== ESCAPE) out.push(path[i]!);
  }
  return ok ? out.join("") : undefined;
}

/** `..;params` and `.;params` segments lose their parameters (PathUtil::stripParametersFromDotSegments). */
function stripDotSegmentParameters(path: string): string {
  if (!path.includes(".;")) return path;
  return path.split("/").map((segment) => segment.startsWith("..;") ? ".." : segment.startsWith(".;") ? "." : segment).join("/");
}

const ESCAPED_SLASH = /%2f|%5c/gi;

/** The HCM's path handling for an origin-form target (path + query). */
export function normalizeRequestPath(target: string, options: PathNormalization): NormalizedPath {
  const q = target.indexOf("?");
  let path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? "" : target.slice(q);
  let redirect = false;
  if (options.escapedSlashesAction !== "KEEP_UNCHANGED" && path.includes("%")) {
    const unescaped = path.replace(ESCAPED_SLASH, (e) => (e[2] === "f" || e[2] === "F" ? "/" : "\\"));
    if (unescaped !== path) {
      if (options.escapedSlashesAction === "REJECT_REQUEST") return { action: "reject" };
      redirect = options.escapedSlashesAction === "UNESCAPE_AND_REDIRECT";
      path = unescaped;
    }
  }
  if (options.normalizePath) {
    const canonical = canonicalizePath(stripDotSegmentParameters(path));
    if (canonical === undefined) return { action: "reject" };
    path = canonical;
  }
  if (options.mergeSlashes && path.includes("//")) path = path.replace(/\/{2,}/g, "/");
  return { action: redirect ? "redirect" : "continue", pathAndQuery: path + query };
}
