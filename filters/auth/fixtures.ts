// Shared test fixture (TypeScript on Node): one set of keys and users, and the filter config
// that uses them, for logic.test.ts (pure functions), filter.test.ts (through the host) and
// bench/filters/auth.ts.
import { basicHeader, ecKey, hmacKey, rsaKey, sha256Hex } from "./token-fixtures.ts";

export const NOW = 1_700_000_000;
export const API_KEY = "k3y-for-ci-0123456789";
export const PASSWORD = "correct horse battery staple";

export function makeFixture() {
  const hs = hmacKey("hs-1");
  const rs = rsaKey("rs-1");
  const es = ecKey("es-1");
  const config = {
    realm: "attache",
    apiKeys: { header: "x-api-key", queryParameter: "api_key", keys: [{ name: "ci", sha256: sha256Hex(API_KEY) }, { name: "other", sha256: sha256Hex("other-key") }] },
    routes: {
      "default/basic": { apiKeys: null, basic: { users: [{ username: "alice", passwordSha256: sha256Hex(PASSWORD) }] } },
      "default/jwt": {
        apiKeys: null,
        jwt: {
          keys: [hs.jwk, rs.jwk, es.jwk],
          issuer: "https://issuer.example",
          audiences: ["api", "admin"],
          clockSkewSeconds: 30,
          requiredClaims: ["sub"],
          claimsToHeaders: [{ claim: "sub", header: "x-user" }, { claim: "groups", header: "x-groups" }],
        },
      },
      "default/jwt-lenient": { apiKeys: null, jwt: { keys: [hs.jwk], requireExpiration: false } },
      "default/public": { disabled: true },
      "default/external": {
        apiKeys: null,
        external: {
          cluster: "extauth", pathPrefix: "/check", timeoutMs: 250,
          allowedRequestHeaders: ["x-tenant"], allowedAuthorizationHeaders: ["x-auth-user"], failureModeAllow: false,
        },
      },
      "default/external-open": { apiKeys: null, external: { cluster: "extauth", failureModeAllow: true } },
      "default/key-then-external": { external: { cluster: "extauth", allowedAuthorizationHeaders: ["x-auth-user"] } },
    },
  };
  const goodClaims = { sub: "user-42", iss: "https://issuer.example", aud: "api", exp: NOW + 300, nbf: NOW - 10, groups: ["eng", "ops"] };
  return { hs, rs, es, config, goodClaims, basic: basicHeader };
}
