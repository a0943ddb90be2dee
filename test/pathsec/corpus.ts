// Hostile request targets and Host headers, each aimed at a route a Mapping protects by prefix
// (/private/, with an API-key filter) or by host (admin.test), next to an open catch-all route.
// Every variant is sent without credentials unless it says so. Sources of the shapes: RFC 3986
// §5.2.4 (dot segments) and §2.3 (unreserved characters), RFC 9112 §3.2 (request-target forms)
// and §3.2 (Host), and the classic traversal encodings (%2e, %2f, %5c, backslash, overlong
// UTF-8, IIS %u, double encoding, `;` path parameters).

export interface PathCase {
  name: string;
  /** The request-target, written as is (latin1 bytes, so control bytes go on the wire). */
  target: string;
  /** Host header values, in order; default one `localhost`. */
  hosts?: string[];
  /** Sends the valid API key. */
  withKey?: boolean;
}

const long = (n: number) => "a".repeat(n);

export const CORPUS: PathCase[] = [
  // Controls: what the protected and open routes do for a plain request.
  { name: "protected, no key", target: "/private/x" },
  { name: "protected, with key", target: "/private/x", withKey: true },
  { name: "open", target: "/open/x" },
  { name: "protected host, no key", target: "/x", hosts: ["admin.test"] },
  // Dot segments.
  { name: "dot-dot into the prefix", target: "/open/../private/x" },
  { name: "dot segment before the prefix", target: "/./private/x" },
  { name: "dot and dot-dot", target: "/open/./../private/x" },
  { name: "dot-dot beyond root", target: "/../private/x" },
  { name: "many dot-dots beyond root", target: "/../../../private/x" },
  { name: "dot-dots beyond root from a segment", target: "/open/../../../../private/x" },
  { name: "a thousand dot-dots", target: `/open/${"../".repeat(1000)}private/x` },
  { name: "dot-dot out of the prefix", target: "/private/../open/x" },
  { name: "trailing dot-dot", target: "/private/x/.." },
  { name: "dot-dot with a path parameter", target: "/open/..;x=1/private/x" },
  { name: "dot with a path parameter", target: "/open/.;x=1/../private/x" },
  // Doubled slashes.
  { name: "leading double slash", target: "//private/x" },
  { name: "leading triple slash", target: "///private/x" },
  { name: "double slash inside the prefix", target: "/private//x" },
  { name: "double slash before dot-dot", target: "/open//../private/x" },
  // Percent-encoded letters and dots.
  { name: "encoded letter", target: "/%70rivate/x" },
  { name: "encoded upper-case letters", target: "/%50RIVATE/x" },
  { name: "every letter encoded", target: "/%70%72%69%76%61%74%65/x" },
  { name: "encoded dot-dot (lower)", target: "/open/%2e%2e/private/x" },
  { name: "encoded dot-dot (upper)", target: "/open/%2E%2E/private/x" },
  { name: "half-encoded dot-dot", target: "/open/.%2e/private/x" },
  { name: "other half-encoded dot-dot", target: "/open/%2e./private/x" },
  { name: "encoded single dot", target: "/%2e/private/x" },
  { name: "encoded tilde and hyphen", target: "/private/%7e%2Dx" },
  { name: "double-encoded dot-dot", target: "/open/%252e%252e/private/x" },
  { name: "encoded percent", target: "/%25private/x" },
  { name: "overlong UTF-8 dot", target: "/open/%c0%ae%c0%ae/private/x" },
  { name: "IIS %u escape", target: "/%u0070rivate/x" },
  { name: "invalid escape", target: "/private/%zz" },
  { name: "nested escape of a dot-dot", target: "/open/%%32%65%%32%65/private/x" },
  { name: "nested escape of a slash", target: "/open%%32%66..%%32%66private/x" },
  { name: "encoded NUL", target: "/pri%00vate/x" },
  // Percent-encoded slashes and backslashes (path_with_escaped_slashes_action).
  { name: "encoded slash (lower)", target: "/open%2f..%2fprivate/x" },
  { name: "encoded slash (upper)", target: "/open%2F..%2Fprivate/x" },
  { name: "encoded leading slash", target: "/%2fprivate/x" },
  { name: "encoded slash inside the prefix", target: "/private%2Fx" },
  { name: "encoded backslash (upper)", target: "/open/..%5Cprivate/x" },
  { name: "encoded backslash (lower)", target: "/open/..%5cprivate/x" },
  { name: "encoded slash in the query only", target: "/open/x?next=%2Fprivate%2Fx" },
  { name: "encoded dot-dot-slash", target: "/open/%2e%2e%2fprivate/x" },
  // Backslashes.
  { name: "backslashes", target: "/open\\..\\private\\x" },
  { name: "backslash dot-dot", target: "/open/..\\private/x" },
  { name: "backslash first", target: "\\private\\x" },
  // Absolute-form targets and authority mismatches.
  { name: "absolute form", target: "http://localhost/private/x" },
  { name: "absolute form with dot-dot", target: "http://localhost/open/../private/x" },
  { name: "absolute form, upper-case scheme", target: "HTTP://localhost/private/x" },
  { name: "absolute form, https scheme on plain HTTP", target: "https://localhost/private/x" },
  { name: "absolute authority protected, Host open", target: "http://admin.test/x", hosts: ["localhost"] },
  { name: "absolute authority open, Host protected", target: "http://localhost/x", hosts: ["admin.test"] },
  { name: "absolute authority with port", target: "http://admin.test:8080/x" },
  { name: "absolute form with userinfo", target: "http://user@admin.test/x" },
  { name: "absolute form without a path", target: "http://admin.test" },
  { name: "absolute form with an encoded slash", target: "http://localhost/%2fprivate/x" },
  // Host header variants.
  { name: "Host upper case", target: "/x", hosts: ["ADMIN.TEST"] },
  { name: "Host with port", target: "/x", hosts: ["admin.test:80"] },
  { name: "Host with trailing dot", target: "/x", hosts: ["admin.test."] },
  { name: "two Host headers", target: "/x", hosts: ["localhost", "admin.test"] },
  { name: "no Host header", target: "/private/x", hosts: [] },
  { name: "Host with a space", target: "/x", hosts: ["admin.test, admin.test"] },
  { name: "Host with a slash", target: "/private/x", hosts: ["admin.test/x"] },
  { name: "absolute form, query without a path", target: "http://admin.test?x=1" },
  { name: "absolute form, other scheme", target: "ftp://admin.test/x" },
  { name: "absolute form, one slash", target: "http:/admin.test/x" },
  // Path parameters, fragments, queries.
  { name: "path parameter on the prefix", target: "/private;a=b/x" },
  { name: "path parameter after the prefix", target: "/private/x;jsessionid=1" },
  { name: "fragment", target: "/private/x#frag" },
  { name: "fragment hiding a dot-dot", target: "/open#/../private/x" },
  { name: "query hiding a dot-dot", target: "/open?/../private/x" },
  { name: "dot-dots in the query", target: "/private/x?y=../../open" },
  // Case and shape.
  { name: "upper-case prefix", target: "/PRIVATE/x" },
  { name: "prefix without its slash", target: "/private" },
  { name: "relative target", target: "private/x" },
  { name: "asterisk form", target: "*" },
  { name: "raw caret, backtick, braces, pipe", target: "/open/a^b`c{d}e|f" },
  // Control bytes, spaces and non-ASCII.
  { name: "NUL byte", target: "/pri\u0000vate/x" },
  { name: "control byte", target: "/pri\u0001vate/x" },
  { name: "DEL byte", target: "/pri\u007fvate/x" },
  { name: "raw non-ASCII", target: "/priv\u00e4te/x" },
  { name: "quote and angle brackets", target: "/open/\"<x>\"" },
  // Size.
  { name: "overlong path (70 KB)", target: `/private/${long(70_000)}` },
  { name: "long path under the limit (8 KB)", target: `/open/${long(8_000)}/../../private/x` },
];
