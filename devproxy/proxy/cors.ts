// The CORS filter (envoy.filters.http.cors, cors.proto CorsPolicy): answers preflights and
// adds Access-Control-* headers to responses for allowed origins.
import type { CorsPolicy } from "../config/routes.ts";
import type { HeaderPairs, LocalReply } from "./filters.ts";

function allowed(policy: CorsPolicy, origin: string): boolean {
  return policy.origins.some((p) => p(origin));
}

export function corsPreflight(policy: CorsPolicy, origin: string): LocalReply {
  const headers: HeaderPairs = [];
  if (allowed(policy, origin)) {
    headers.push(["access-control-allow-origin", origin]);
    if (policy.methods) headers.push(["access-control-allow-methods", policy.methods]);
    if (policy.headers) headers.push(["access-control-allow-headers", policy.headers]);
    if (policy.maxAge) headers.push(["access-control-max-age", policy.maxAge]);
    if (policy.credentials) headers.push(["access-control-allow-credentials", "true"]);
  }
  return { status: 200, headers, body: "" };
}

export function applyCors(policy: CorsPolicy, origin: string, headers: HeaderPairs): void {
  if (!allowed(policy, origin)) return;
  headers.push(["access-control-allow-origin", origin]);
  if (policy.credentials) headers.push(["access-control-allow-credentials", "true"]);
  if (policy.exposeHeaders) headers.push(["access-control-expose-headers", policy.exposeHeaders]);
}
