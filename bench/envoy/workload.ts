// The per-request bench's Attaché resources: one Mapping per case, each with the filters a
// user would attach, so the bench serves Envoy the Wasm filter configs, route names and
// per-route enables that the real translator makes (translated-config.ts). Keys and tokens are
// made here; the Rust twins and Envoy's native filters get the same keys and limits.
import { createHash } from "node:crypto";
import { makeJwt, rsaKey } from "../../filters/auth/token-fixtures.ts";

export const API_KEY = "bench-key-0123456789";
export const OTHER_KEY = "bench-other-key-9876543210";
export const ISSUER = "https://issuer.example";
export const AUDIENCE = "api";
/** A budget the bench never reaches: every request is allowed, and the bucket is still updated. */
export const RATE = { requests: 1_000_000, interval: "1s" } as const;
export const CANARY_WEIGHT = 10;
export const CANARY_HASH_HEADER = "x-attache-canary-hash";

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

export interface Workload {
  yaml: string;
  jwk: Record<string, string>;
  /** An RS256 token valid for an hour, with the claims the JWT policy requires and copies. */
  token: string;
  apiKeyDigests: string[];
}

export function makeWorkload(upstream: string): Workload {
  const rs = rsaKey("rs-1");
  const now = Math.floor(Date.now() / 1000);
  const token = makeJwt(rs, { sub: "user-42", iss: ISSUER, aud: AUDIENCE, exp: now + 3600, nbf: now - 10, groups: ["eng", "ops"] });
  const apiKeyDigests = [sha256Hex(API_KEY), sha256Hex(OTHER_KEY)];
  const jwtPolicy = {
    keys: [rs.jwk], issuer: ISSUER, audiences: [AUDIENCE], requiredClaims: ["sub"],
    claimsToHeaders: [{ claim: "sub", header: "x-user" }, { claim: "groups", header: "x-groups" }],
  };
  const apiKeys = { header: "x-api-key", keys: [{ name: "bench", sha256: apiKeyDigests[0] }, { name: "other", sha256: apiKeyDigests[1] }] };
  const mapping = (name: string, spec: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name }, spec: { service: upstream, ...spec } });
  const filter = (name: string, config: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name }, spec: { module: { builtin: "auth" }, config } });
  const rateLimit = { ...RATE, keyBy: ["clientAddress"] };
  const canary = { config: { keySources: ["header:x-user", "clientAddress"] } };
  const docs = [
    filter("auth-key", { apiKeys }),
    filter("auth-jwt", { jwt: jwtPolicy }),
    mapping("none", { prefix: "/none/" }),
    mapping("apikey", { prefix: "/apikey/", filters: [{ name: "auth-key" }] }),
    mapping("jwt", { prefix: "/jwt/", filters: [{ name: "auth-jwt" }] }),
    mapping("ratelimit", { prefix: "/ratelimit/", rateLimit }),
    mapping("canary", { prefix: "/canary/" }),
    mapping("canary-canary", { prefix: "/canary/", weight: CANARY_WEIGHT, canary }),
    mapping("all", { prefix: "/all/", filters: [{ name: "auth-key" }], rateLimit }),
    mapping("all-canary", { prefix: "/all/", weight: CANARY_WEIGHT, filters: [{ name: "auth-key" }], rateLimit, canary }),
  ];
  return { yaml: docs.join("\n---\n") + "\n", jwk: rs.jwk, token, apiKeyDigests };
}
