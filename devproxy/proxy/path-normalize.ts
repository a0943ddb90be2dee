// The request path as Envoy's HTTP connection manager rewrites it before routing, with the
// translator's normalize_path and merge_slashes (http_connection_manager.proto;
// source/common/http/path_utility.cc, which canonicalizes like Chromium's URL parser):
// percent-encoded unreserved characters (RFC 3986 §2.3) are decoded, a backslash is a slash,
// dot segments are removed (RFC 3986 §5.2.4), and runs of slashes become one. Other escapes
// (%2F, %25, non-ASCII) stay as they are. The query is never touched. So /a/..%2F, /a\b and
// //admin cannot dodge a prefix route.

const UNRESERVED = /%([0-9A-Fa-f]{2})/g;

function decodeUnreserved(path: string): string {
  return path.replace(UNRESERVED, (escape, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : escape;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, for an absolute path. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split("/").slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === ".") { if (last) out.push(""); return; }
    if (segment === "..") { out.pop(); if (last) out.push(""); return; }
    out.push(segment);
  });
  return `/${out.join("/")}`;
}

export interface PathNormalization { normalizePath: boolean; mergeSlashes: boolean }

/** The normalized form of a request target (path + query); unchanged if nothing applies. */
export function normalizeRequestPath(target: string, options: PathNormalization): string {
  if (!options.normalizePath && !options.mergeSlashes) return target;
  const q = target.indexOf("?");
  let path = q < 0 ? target : target.slice(0, q);
  if (!path.startsWith("/")) return target;
  if (options.normalizePath) path = removeDotSegments(decodeUnreserved(path).replace(/\\/g, "/"));
  if (options.mergeSlashes) path = path.replace(/\/{2,}/g, "/");
  return q < 0 ? path : path + target.slice(q);
}
