// External authorization with Emissary AuthService semantics (docs/emissary.md): the
// request's method, `pathPrefix` + path and allowed headers go to the auth service; a 2xx
// answer lets the request through with `allowedAuthorizationHeaders` copied from the answer
// onto it; any other answer goes back to the client as is (status, headers, body); no answer
// (timeout, reset, unknown cluster) or a 5xx follows `failureModeAllow`. The 5xx rule is
// Envoy's ext_authz HTTP client's (ext_authz_http_impl.cc: a 5xx is an error, answered with
// status_on_error), and it matters: Envoy answers a callout to an unreachable service with a
// 503 of its own, not with a failed call.
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { ExternalAuth } from "./config";
import { RequestView } from "./decision";
import { asciiLower } from "./ascii";

/** Headers Emissary always sends to the auth service (its allowed_request_headers defaults). */
export const DEFAULT_ALLOWED_REQUEST_HEADERS = [
  "authorization", "cookie", "from", "proxy-authorization", "user-agent",
  "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
];

/** Hop-by-hop fields (RFC 9110 §7.6.1) and framing the proxy recomputes: never relayed verbatim. */
const NOT_RELAYED = ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection", "te", "trailer"];

/** Headers of the check request: pseudo-headers first, then the allowed request headers present. */
export function checkRequestHeaders(external: ExternalAuth, request: RequestView): HeaderPair[] {
  const method = request.header(":method");
  const path = request.header(":path");
  const host = request.header(":authority");
  const headers = [
    new HeaderPair(":method", method !== null ? method : "GET"),
    new HeaderPair(":path", external.pathPrefix + (path !== null ? path : "/")),
    new HeaderPair(":authority", external.authority.length > 0 ? external.authority : host !== null ? host : "auth"),
  ];
  copyPresent(DEFAULT_ALLOWED_REQUEST_HEADERS, request, headers);
  copyPresent(external.allowedRequestHeaders, request, headers);
  return headers;
}

function copyPresent(names: string[], request: RequestView, into: HeaderPair[]): void {
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    let seen = false;
    for (let j = 0; j < into.length && !seen; j++) seen = into[j].key == name;
    if (seen) continue;
    const value = request.header(name);
    if (value !== null) into.push(new HeaderPair(name, value));
  }
}

/** The `:status` of an answer, or 0 when missing or not a number. */
export function answerStatus(answer: HeaderPair[]): u32 {
  for (let i = 0; i < answer.length; i++) {
    if (answer[i].key == ":status") {
      const text = answer[i].value;
      if (text.length != 3) return 0;
      let status: u32 = 0;
      for (let j = 0; j < 3; j++) {
        const c = text.charCodeAt(j);
        if (c < 0x30 || c > 0x39) return 0;
        status = status * 10 + <u32>(c - 0x30);
      }
      return status;
    }
  }
  return 0;
}

export function isAllowed(status: u32): bool {
  return status >= 200 && status < 300;
}

/** No usable answer: no or a malformed `:status`, or a 5xx (the service, or the proxy for it, failed). */
export function isServiceError(status: u32): bool {
  return status == 0 || status >= 500;
}

/** Answer headers listed in allowedAuthorizationHeaders, to set on the upstream request. */
export function authorizationHeadersToCopy(external: ExternalAuth, answer: HeaderPair[]): HeaderPair[] {
  const out = new Array<HeaderPair>();
  for (let i = 0; i < answer.length; i++) {
    const name = asciiLower(answer[i].key);
    if (external.allowedAuthorizationHeaders.includes(name)) out.push(new HeaderPair(name, answer[i].value));
  }
  return out;
}

/** Answer headers relayed to the client with a denial: all but pseudo-headers and hop-by-hop fields. */
export function relayedHeaders(answer: HeaderPair[]): HeaderPair[] {
  const out = new Array<HeaderPair>();
  for (let i = 0; i < answer.length; i++) {
    const name = asciiLower(answer[i].key);
    if (name.startsWith(":") || NOT_RELAYED.includes(name)) continue;
    out.push(answer[i]);
  }
  return out;
}
