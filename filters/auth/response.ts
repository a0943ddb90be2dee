// Rejections: 401 with WWW-Authenticate challenges (RFC 9110 §11.6.1; Bearer per RFC 6750 §3,
// Basic per RFC 7617 §2) or 403, each with a JSON body {"error": ..., "reason": ...}. Reasons
// are fixed texts from decision.ts/jwt.ts/claims.ts, never the presented credential.
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { Policy } from "./config";
import { Decision, Outcome } from "./outcome";

export const DETAILS_DENIED = "auth_denied";
export const DETAILS_EXTERNAL_DENIED = "auth_external_denied";
export const DETAILS_EXTERNAL_FAILED = "auth_external_unavailable";

/** HTTP status for a refused decision. */
export function statusFor(decision: Decision): u32 {
  return decision.outcome == Outcome.Forbidden ? 403 : 401;
}

/** One challenge per configured method; a refused Bearer token adds error="invalid_token" (RFC 6750 §3.1). */
export function challenges(policy: Policy, decision: Decision): string[] {
  const out = new Array<string>();
  const realm = "realm=\"" + policy.realm + "\"";
  if (policy.jwt !== null) {
    out.push(decision.method == "jwt" ? "Bearer " + realm + ", error=\"invalid_token\"" : "Bearer " + realm);
  }
  if (policy.basic !== null) out.push("Basic " + realm + ", charset=\"UTF-8\"");
  // API keys have no registered scheme; the challenge names the header so clients know what to send.
  const apiKeys = policy.apiKeys;
  if (apiKeys !== null) out.push("ApiKey " + realm + ", header=\"" + apiKeys.header + "\"");
  return out;
}

export function rejectionHeaders(policy: Policy, decision: Decision): HeaderPair[] {
  const headers = [new HeaderPair("content-type", "application/json")];
  if (statusFor(decision) == 401) {
    const list = challenges(policy, decision);
    for (let i = 0; i < list.length; i++) headers.push(new HeaderPair("www-authenticate", list[i]));
  }
  return headers;
}

export function errorBody(status: u32, reason: string): string {
  const error = status == 401 ? "unauthorized" : status == 403 ? "forbidden" : "unavailable";
  return "{\"error\":\"" + error + "\",\"reason\":\"" + jsonEscape(reason) + "\"}";
}

/** JSON string escaping (RFC 8259 §7) for reasons that may carry a configured claim name. */
export function jsonEscape(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) {
      const low = c & 15;
      out += "\\u00" + String.fromCharCode(0x30 + (c >> 4)) + String.fromCharCode(low < 10 ? 0x30 + low : 0x57 + low);
    }
    else out += String.fromCharCode(c);
  }
  return out;
}
