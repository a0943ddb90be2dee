// The CORS filter (envoy.filters.http.cors, cors.proto CorsPolicy): answers preflights from
// allowed origins and adds Access-Control-* headers to their responses. A request from any
// other origin is no CORS request to it: preflight or not, it goes on to the upstream.
import type { CorsPolicy } from "../config/routes.ts";
import type { HeaderPairs, LocalReply } from "./filters.ts";

export function corsAllows(policy: CorsPolicy, origin: string): boolean {
  return policy.origins.some((p) => p(origin));
}

/** The answer to a preflight from an allowed origin (corsAllows). */
export function corsPreflight(policy: CorsPolicy, origin: string): LocalReply {
  const headers: HeaderPairs = [["access-control-allow-origin", origin]];
  if (policy.methods) headers.push(["access-control-allow-methods", policy.methods]);
  if (policy.headers) headers.push(["access-control-allow-headers", policy.headers]);
  if (policy.maxAge) headers.push(["access-control-max-age", policy.maxAge]);
  if (policy.credentials) headers.push(["access-control-allow-credentials", "true"]);
  return { status: 200, headers, body: "" };
}

export function applyCors(policy: CorsPolicy, origin: string, headers: HeaderPairs): void {
  if (!corsAllows(policy, origin)) return;
  headers.push(["access-control-allow-origin", origin]);
  if (policy.credentials) headers.push(["access-control-allow-credentials", "true"]);
  if (policy.exposeHeaders) headers.push(["access-control-expose-headers", policy.exposeHeaders]);
}
