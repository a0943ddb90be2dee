// The request target as Envoy's HTTP/1 codec reads it (RFC 9112 §3.2; Envoy's
// source/common/http/http1/codec_impl.cc), each rule checked against Envoy 1.40 by
// test/pathsec/path-corpus.test.ts:
// - origin-form (`/path?query`) as it is;
// - absolute-form (`http://host/path`, what clients send to a proxy): scheme http or https in
//   any case; the authority it names replaces the Host header, without its userinfo; the rest
//   is the path, `/` when empty (and a bare `?query` stays a path the HCM refuses with 404);
//   `https://` on a plaintext connection is refused with 403;
// - asterisk-form only for OPTIONS (the HCM then answers 404: `*` is no path);
// - anything else, and any target holding a fragment (no form has one), is refused with 400.
// The Host header (or the absolute-form authority) must be a valid authority: one holding a
// space or other characters RFC 3986 §3.2 does not allow is refused with 400.

import type { HcmConfig } from "../config/listeners.ts";
import type { LocalReply } from "./filters.ts";
import { normalizeRequestPath } from "./path-normalize.ts";

export type RequestTarget =
  | { authority: string; /** path and query, as the codec hands them to the HCM */ pathAndQuery: string }
  | { refused: 400 | 403 };

const ABSOLUTE_FORM = /^(https?):\/\/([^/?]*)(.*)$/is;
/** RFC 3986 §3.2.2 reg-name / IP-literal characters and a port, as Envoy's authority check. */
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/;

export function parseRequestTarget(url: string, hostHeader: string, method: string, secure: boolean): RequestTarget {
  if (url.includes("#")) return { refused: 400 };
  let authority = hostHeader;
  let pathAndQuery = url;
  if (!url.startsWith("/")) {
    const absolute = ABSOLUTE_FORM.exec(url);
    if (absolute) {
      if (absolute[1]!.toLowerCase() === "https" && !secure) return { refused: 403 };
      authority = absolute[2]!.slice(absolute[2]!.lastIndexOf("@") + 1);
      pathAndQuery = absolute[3] || "/";
    } else if (!(url === "*" && method === "OPTIONS")) {
      return { refused: 400 };
    }
  }
  if (!AUTHORITY.test(authority)) return { refused: 400 };
  return { authority, pathAndQuery };
}

/** What the HCM routes on, or the local reply it sends instead. */
export type RoutedTarget =
  | { authority: string; pathAndQuery: string; path: string; query: string }
  | { reply: LocalReply };

const text = (status: number, body: string): LocalReply => ({ status, headers: [["content-type", "text/plain"]], body });

/**
 * The codec's target (above), then the HCM (conn_manager_impl.cc decodeHeaders): a path not
 * starting with `/` answers 404, the path handling of path-normalize.ts (400 for a refused
 * path, 307 for UNESCAPE_AND_REDIRECT, 400 instead for gRPC, which cannot follow it), and
 * strip_any_host_port. Everything after (routes, filters, upstream) sees only this form.
 */
export function routedTarget(url: string, hostHeader: string, method: string, contentType: string, secure: boolean, hcm: HcmConfig): RoutedTarget {
  const target = parseRequestTarget(url, hostHeader, method, secure);
  if ("refused" in target) return { reply: target.refused === 403 ? text(403, "Forbidden") : text(400, "Bad Request") };
  if (!target.pathAndQuery.startsWith("/")) return { reply: { status: 404, headers: [], body: "" } };
  const normalized = normalizeRequestPath(target.pathAndQuery, hcm);
  if (normalized.action === "reject" || (normalized.action === "redirect" && contentType.startsWith("application/grpc"))) {
    return { reply: { status: 400, headers: [], body: "" } };
  }
  if (normalized.action === "redirect") return { reply: { status: 307, headers: [["location", normalized.pathAndQuery]], body: "" } };
  const pathAndQuery = normalized.pathAndQuery;
  const q = pathAndQuery.indexOf("?");
  return {
    authority: hcm.stripPort ? target.authority.replace(/:\d+$/, "") : target.authority,
    pathAndQuery,
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? "" : pathAndQuery.slice(q + 1),
  };
}
