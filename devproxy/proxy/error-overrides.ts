// Emissary's error_response_overrides as Envoy's custom_response filter runs them: a response
// whose status has an override on the route — from the upstream or made by the proxy itself
// (no healthy upstream, timeouts, auth denials) — gets the override's body and content type;
// the status stays. The body is a SubstitutionFormatString
// (config/core/v3/substitution_format_string.proto); the local data plane expands the command
// operators these overrides use — %RESPONSE_CODE%, %PROTOCOL%, %REQ(name)% — and leaves
// any other operator as written (Envoy expands all of them).
import type { ErrorOverride } from "../config/routes.ts";
import type { LocalReply } from "./filters.ts";

export interface OverrideContext {
  status: number;
  protocol: string;
  requestHeader(name: string): string | undefined;
}

function expand(text: string, ctx: OverrideContext): string {
  return text.replace(/%(RESPONSE_CODE|PROTOCOL|REQ\(([^)]+)\))%/g, (_, op: string, header: string | undefined) => {
    if (op === "RESPONSE_CODE") return String(ctx.status);
    if (op === "PROTOCOL") return ctx.protocol;
    return ctx.requestHeader(header!.split("?")[0]!.toLowerCase()) ?? "-";
  });
}

function expandJson(value: unknown, ctx: OverrideContext): unknown {
  // Envoy's json_format keeps operator types: a value that is just %RESPONSE_CODE% is a number.
  if (value === "%RESPONSE_CODE%") return ctx.status;
  if (typeof value === "string") return expand(value, ctx);
  if (Array.isArray(value)) return value.map((v) => expandJson(v, ctx));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandJson(v, ctx)]));
  return value;
}

export function overrideReply(override: ErrorOverride, ctx: OverrideContext, headers: LocalReply["headers"]): LocalReply {
  const body = override.format.json !== undefined ? `${JSON.stringify(expandJson(override.format.json, ctx))}\n` : expand(override.format.text ?? "", ctx);
  const kept = headers.filter(([k]) => k !== "content-type" && k !== "content-length" && k !== "content-encoding" && k !== "transfer-encoding");
  return { status: ctx.status, headers: [...kept, ["content-type", override.contentType]], body };
}
