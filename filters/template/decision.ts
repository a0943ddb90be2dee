// The template filter's decision, kept free of host calls so it reads (and tests) as plain
// logic: given the settings for the matched route and the request's value of the required
// header, pass (adding the configured header) or reject with 400.
import { RouteSettings } from "./config";

export enum Verdict {
  /** Forward the request (after adding the configured header, if any). */
  Pass = 0,
  /** Answer 400: the required header is missing or empty. */
  RejectMissingHeader = 1,
}

export function decide(settings: RouteSettings, requiredHeaderValue: string | null): Verdict {
  if (!settings.enabled || settings.requiredHeader.length == 0) return Verdict.Pass;
  if (requiredHeaderValue === null || requiredHeaderValue.length == 0) return Verdict.RejectMissingHeader;
  return Verdict.Pass;
}

/** JSON string literal for `text` (RFC 8259 escaping), for response bodies. */
export function jsonString(text: string): string {
  let out = "\"";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) {
      const hex = c.toString(16);
      out += "\\u" + "0000".substring(hex.length) + hex;
    } else out += String.fromCharCode(c);
  }
  return out + "\"";
}

/** The 400 body: `{"error":"missing_header","header":"<name>"}`. */
export function rejectionBody(requiredHeader: string): string {
  return "{\"error\":\"missing_header\",\"header\":" + jsonString(requiredHeader) + "}";
}
