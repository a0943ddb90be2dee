// The auth filter's pure decision logic compiled to Wasm (logic.wasm.ts): credential
// extraction, API key / Basic / JWT checks, claim and time rules, rejection shape, and the
// external-authorization request and answer handling. filter.test.ts runs the same kinds of
// cases through the built filter and the host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as logic from "../../build/filters/auth/logic.js";
import { API_KEY, NOW, PASSWORD, makeFixture } from "./fixtures.ts";
import { basicHeader, confusedTokens, makeJwt, unsecuredJwt } from "./token-fixtures.ts";

const fixture = makeFixture();
const { hs, rs, es, goodClaims } = fixture;

type Result = {
  outcome: string; method: string; reason: string; principal: string; status?: number; body?: string;
  upstreamHeaders: [string, string][]; removedHeaders: [string, string][]; responseHeaders?: [string, string][];
};
const decide = (route: string, lines: string[], now = NOW): Result => JSON.parse(logic.decide(route, lines.join("\n"), now));
const bearer = (token: string) => [`authorization: Bearer ${token}`];

beforeAll(() => {
  expect(logic.configure(JSON.stringify(fixture.config))).toBe("");
});

describe("API keys", () => {
  it("accepts a configured key from the header and names it", () => {
    const r = decide("default/other", [`x-api-key: ${API_KEY}`]);
    expect(r).toMatchObject({ outcome: "allowed", method: "api-key", principal: "ci" });
  });

  it("accepts a key from the query parameter, percent-decoded", () => {
    const encoded = encodeURIComponent(API_KEY).replace(/-/g, "%2D");
    expect(decide("", [`:path: /items?x=1&api_key=${encoded}`]).outcome).toBe("allowed");
  });

  it("refuses an unknown key with 401, an ApiKey challenge and no secret in the body", () => {
    const r = decide("", ["x-api-key: not-the-key-123"]);
    expect(r).toMatchObject({ outcome: "unauthorized", status: 401, reason: "invalid api key" });
    expect(r.responseHeaders).toContainEqual(["www-authenticate", 'ApiKey realm="attache", header="x-api-key"']);
    expect(JSON.parse(r.body!)).toEqual({ error: "unauthorized", reason: "invalid api key" });
    expect(r.body).not.toContain("not-the-key");
  });

  it("a key differing only in its last character is refused", () => {
    expect(decide("", [`x-api-key: ${API_KEY.slice(0, -1)}X`]).outcome).toBe("unauthorized");
  });

  it("asks for credentials when none are sent (route absent from routes gets the defaults)", () => {
    const r = decide("no/such-route", [":path: /items"]);
    expect(r).toMatchObject({ outcome: "missing", status: 401, reason: "missing credentials" });
  });
});

describe("HTTP Basic", () => {
  it("accepts the right password", () => {
    expect(decide("default/basic", [`authorization: ${basicHeader("alice", PASSWORD)}`])).toMatchObject({ outcome: "allowed", method: "basic", principal: "alice" });
  });

  it.each([
    ["wrong password", basicHeader("alice", "wrong")],
    ["unknown user", basicHeader("mallory", PASSWORD)],
  ])("refuses a %s with the same reason and a Basic challenge", (_what, header) => {
    const r = decide("default/basic", [`authorization: ${header}`]);
    expect(r).toMatchObject({ outcome: "unauthorized", status: 401, reason: "invalid username or password" });
    expect(r.responseHeaders).toContainEqual(["www-authenticate", 'Basic realm="attache", charset="UTF-8"']);
    expect(r.body).not.toContain(PASSWORD);
  });

  it("refuses malformed Basic credentials", () => {
    expect(decide("default/basic", ["authorization: Basic !!!"]).reason).toBe("malformed basic credentials");
    expect(decide("default/basic", [`authorization: Basic ${Buffer.from("no-colon").toString("base64")}`]).reason).toBe("malformed basic credentials");
  });

  it("a route that switches apiKeys off ignores API keys", () => {
    expect(decide("default/basic", [`x-api-key: ${API_KEY}`]).outcome).toBe("missing");
  });
});

describe("JWT", () => {
  it.each([["HS256", hs], ["RS256", rs], ["ES256", es]] as const)("accepts a valid %s token and copies claims to headers", (_alg, key) => {
    const r = decide("default/jwt", bearer(makeJwt(key, goodClaims)));
    expect(r).toMatchObject({ outcome: "allowed", method: "jwt", principal: "user-42" });
    expect(r.upstreamHeaders).toEqual([["x-user", "user-42"], ["x-groups", "eng,ops"]]);
    expect(r.removedHeaders.map(([name]) => name)).toEqual(["x-user", "x-groups"]);
  });

  it("accepts the token without a kid by trying every key of its alg", () => {
    expect(decide("default/jwt", bearer(makeJwt(rs, goodClaims, { kid: undefined }))).outcome).toBe("allowed");
  });

  it("accepts aud as an array containing an accepted audience", () => {
    expect(decide("default/jwt", bearer(makeJwt(es, { ...goodClaims, aud: ["other", "admin"] }))).outcome).toBe("allowed");
  });

  it.each([
    ["expired", { exp: NOW - 31 }, "token expired"],
    ["expired at exactly exp + skew", { exp: NOW - 30 }, "token expired"],
    ["not yet valid", { nbf: NOW + 31 }, "token not yet valid"],
    ["wrong issuer", { iss: "https://evil.example" }, "token issuer not accepted"],
    ["missing issuer", { iss: undefined }, "token issuer not accepted"],
    ["wrong audience", { aud: "billing" }, "token audience not accepted"],
    ["wrong audience array", { aud: ["billing", "ops"] }, "token audience not accepted"],
    ["no exp", { exp: undefined }, "token has no expiration"],
    ["exp not a number", { exp: "tomorrow" }, "malformed token: exp is not a number"],
  ])("refuses a token that is %s (401 invalid_token)", (_what, change, reason) => {
    const r = decide("default/jwt", bearer(makeJwt(rs, { ...goodClaims, ...change })));
    expect(r).toMatchObject({ outcome: "unauthorized", status: 401, reason });
    expect(r.responseHeaders).toContainEqual(["www-authenticate", 'Bearer realm="attache", error="invalid_token"']);
  });

  it.each([
    ["expired 29 s ago", { exp: NOW - 29 }],
    ["valid from 29 s from now", { nbf: NOW + 29 }],
  ])("tolerates clock skew: %s", (_what, change) => {
    expect(decide("default/jwt", bearer(makeJwt(hs, { ...goodClaims, ...change }))).outcome).toBe("allowed");
  });

  it("a valid token without a required claim is forbidden (403, no challenge)", () => {
    const r = decide("default/jwt", bearer(makeJwt(hs, { ...goodClaims, sub: undefined })));
    expect(r).toMatchObject({ outcome: "forbidden", status: 403, reason: "missing required claim: sub" });
    expect(r.responseHeaders!.some(([name]) => name === "www-authenticate")).toBe(false);
    expect(JSON.parse(r.body!).error).toBe("forbidden");
  });

  it("requireExpiration: false accepts a token without exp", () => {
    expect(decide("default/jwt-lenient", bearer(makeJwt(hs, { sub: "x" }))).outcome).toBe("allowed");
  });

  it("refuses tampered claims and tampered signatures", () => {
    const token = makeJwt(rs, goodClaims);
    const [head, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...goodClaims, sub: "admin" })).toString("base64url");
    expect(decide("default/jwt", bearer(`${head}.${forged}.${signature}`)).reason).toBe("invalid token signature");
    const flipped = Buffer.from(signature!, "base64url");
    flipped[10]! ^= 0x01;
    expect(decide("default/jwt", bearer(`${head}.${token.split(".")[1]}.${flipped.toString("base64url")}`)).reason).toBe("invalid token signature");
  });

  it.each(["none", "None", "NONE"])("refuses alg %j", (alg) => {
    expect(decide("default/jwt", bearer(unsecuredJwt(goodClaims, alg))).reason).toBe("alg none is not allowed");
  });

  it("refuses HS256 tokens keyed with the RSA public key (algorithm confusion)", () => {
    for (const token of confusedTokens(rs, goodClaims)) {
      expect(decide("default/jwt", bearer(token))).toMatchObject({ outcome: "unauthorized", reason: "no key matches the token's kid and alg" });
    }
  });

  it("refuses a token naming a key of another algorithm, or an unknown kid", () => {
    expect(decide("default/jwt", bearer(makeJwt(es, goodClaims, { kid: "rs-1" }))).reason).toBe("no key matches the token's kid and alg");
    expect(decide("default/jwt", bearer(makeJwt(rs, goodClaims, { kid: "rs-2" }))).reason).toBe("no key matches the token's kid and alg");
  });

  it.each([
    ["unsupported algorithm", () => makeJwt(hs, goodClaims, { alg: "HS512" }), "unsupported token algorithm"],
    ["critical header", () => makeJwt(hs, goodClaims, { crit: ["exp"] }), "unsupported critical header parameters"],
    ["two segments", () => makeJwt(hs, goodClaims).split(".").slice(0, 2).join("."), "malformed token"],
    ["four segments", () => `${makeJwt(hs, goodClaims)}.x`, "malformed token"],
    ["header not JSON", () => `bm90LWpzb24.${makeJwt(hs, goodClaims).split(".").slice(1).join(".")}`, "malformed token: header"],
  ])("refuses a token with %s", (_what, make, reason) => {
    expect(decide("default/jwt", bearer(make())).reason).toBe(reason);
  });

  it("copies number claims: integers in decimal, other numbers as written in the token", () => {
    const r = decide("default/jwt", bearer(makeJwt(hs, { ...goodClaims, sub: 12345, groups: 1.5 })));
    expect(r.upstreamHeaders).toEqual([["x-user", "12345"], ["x-groups", "1.5"]]);
    expect(r.principal).toBe("12345");
    // 1e21 is integral but beyond 2^53: JSON.stringify wrote "1e+21" and that text is copied.
    expect(decide("default/jwt", bearer(makeJwt(hs, { ...goodClaims, sub: 1e21 }))).upstreamHeaders[0]).toEqual(["x-user", "1e+21"]);
  });

  it("sets no header for a claim a header cannot carry (no header injection)", () => {
    const r = decide("default/jwt", bearer(makeJwt(hs, { ...goodClaims, sub: "a\r\nx-admin: 1" })));
    expect(r.outcome).toBe("allowed");
    expect(r.upstreamHeaders.map(([name]) => name)).toEqual(["x-groups"]);
  });

  it("the body never contains the token", () => {
    const token = makeJwt(rs, { ...goodClaims, exp: NOW - 100 });
    expect(decide("default/jwt", bearer(token)).body).not.toContain(token.split(".")[2]);
  });

  it("a Bearer token on an API-key-only route is not a credential", () => {
    expect(decide("", bearer(makeJwt(hs, goodClaims))).outcome).toBe("missing");
  });
});

describe("disabled routes and external-only routes", () => {
  it("a disabled route passes without credentials", () => {
    expect(decide("default/public", [])).toMatchObject({ outcome: "allowed", method: "" });
  });

  it("a route with only external authorization passes the local step", () => {
    expect(decide("default/external", [])).toMatchObject({ outcome: "allowed", external: true });
  });
});

describe("external authorization (Emissary AuthService semantics)", () => {
  it("sends method, pathPrefix + path, authority and only the allowed headers", () => {
    const headers = JSON.parse(logic.externalCheckRequest("default/external", [
      ":method: POST", ":path: /orders?id=7", ":authority: shop.example", "authorization: Bearer abc",
      "x-tenant: t1", "x-secret-internal: no", "cookie: s=1",
    ].join("\n")));
    expect(headers).toEqual([
      [":method", "POST"], [":path", "/check/orders?id=7"], [":authority", "shop.example"],
      ["authorization", "Bearer abc"], ["cookie", "s=1"], ["x-tenant", "t1"],
    ]);
  });

  it("copies only allowedAuthorizationHeaders upstream and relays the rest of a denial verbatim", () => {
    const result = JSON.parse(logic.externalAnswer("default/external", [
      ":status: 302", "X-Auth-User: bob", "location: https://login.example/", "content-length: 0", "set-cookie: a=b",
    ].join("\n")));
    expect(result.copied).toEqual([["x-auth-user", "bob"]]);
    expect(result.relayed).toEqual([["X-Auth-User", "bob"], ["location", "https://login.example/"], ["set-cookie", "a=b"]]);
  });
});

describe("options with non-default values", () => {
  const custom = {
    realm: "shop",
    apiKeys: { header: "x-shop-key", keys: [{ name: "ci", sha256: fixture.config.apiKeys.keys[0]!.sha256 }] },
    routes: {
      "r/realm": { realm: "admin area" },
      "r/ext": { apiKeys: null, external: { cluster: "auth", authority: "auth.internal", statusOnError: 503 } },
    },
  };
  beforeAll(() => expect(logic.configure(JSON.stringify(custom))).toBe(""));
  afterAll(() => expect(logic.configure(JSON.stringify(fixture.config))).toBe(""));

  it("reads the key from the configured header, and names it and the realm in the challenge", () => {
    expect(decide("", [`x-shop-key: ${API_KEY}`]).outcome).toBe("allowed");
    const r = decide("", [`x-api-key: ${API_KEY}`]);
    expect(r.outcome).toBe("missing");
    expect(r.responseHeaders).toContainEqual(["www-authenticate", 'ApiKey realm="shop", header="x-shop-key"']);
  });

  it("a route's realm overrides the default while inheriting the methods", () => {
    expect(decide("r/realm", []).responseHeaders).toContainEqual(["www-authenticate", 'ApiKey realm="admin area", header="x-shop-key"']);
    expect(decide("r/realm", [`x-shop-key: ${API_KEY}`]).outcome).toBe("allowed");
  });

  it("sends the configured authority to the auth service", () => {
    const headers = JSON.parse(logic.externalCheckRequest("r/ext", ":method: GET\n:path: /a\n:authority: shop.example"));
    expect(headers).toEqual([[":method", "GET"], [":path", "/a"], [":authority", "auth.internal"]]);
  });
});

describe("configuration errors name the field", () => {
  const base = () => JSON.parse(JSON.stringify(fixture.config));
  it.each([
    ["a modulus that is not base64url", (c: any) => { c.routes["default/jwt"].jwt.keys[1].n = "***"; }, 'routes["default/jwt"].jwt.keys[1].n: not base64url'],
    ["a short HS256 secret", (c: any) => { c.routes["default/jwt"].jwt.keys[0].k = "c2hvcnQ"; }, 'routes["default/jwt"].jwt.keys[0].k: HS256 keys must be at least 32 bytes'],
    ["an RSA key claiming HS256", (c: any) => { c.routes["default/jwt"].jwt.keys[1].alg = "HS256"; }, 'routes["default/jwt"].jwt.keys[1].alg: "HS256" cannot be used with kty RSA (expected RS256)'],
    ["private key material", (c: any) => { c.routes["default/jwt"].jwt.keys[1].d = "AQAB"; }, 'routes["default/jwt"].jwt.keys[1].d: private key material must not be in the configuration'],
    ["an off-curve EC key", (c: any) => { c.routes["default/jwt"].jwt.keys[2].y = c.routes["default/jwt"].jwt.keys[2].x; }, 'routes["default/jwt"].jwt.keys[2]: x, y is not a point on P-256'],
    ["an unsupported curve", (c: any) => { c.routes["default/jwt"].jwt.keys[2].crv = "P-384"; }, 'routes["default/jwt"].jwt.keys[2].crv: unsupported curve "P-384"'],
    ["an unknown kty", (c: any) => { c.routes["default/jwt"].jwt.keys[0].kty = "OKP"; }, 'routes["default/jwt"].jwt.keys[0].kty: unsupported key type "OKP"'],
    ["a bad API key digest", (c: any) => { c.apiKeys.keys[0].sha256 = "abc"; }, "apiKeys.keys[0].sha256: must be 64 hex digits"],
    ["an upper-case header name", (c: any) => { c.apiKeys.header = "X-Api-Key"; }, 'apiKeys.header: must be a lower-case header name, got "X-Api-Key"'],
    ["a missing callout cluster", (c: any) => { delete c.routes["default/external"].external.cluster; }, 'routes["default/external"].external.cluster: is required'],
    ["an out-of-range timeout", (c: any) => { c.routes["default/external"].external.timeoutMs = 0; }, 'routes["default/external"].external.timeoutMs: expected an integer between 1 and 60000'],
    ["a pathPrefix without a slash", (c: any) => { c.routes["default/external"].external.pathPrefix = "check"; }, "pathPrefix: must start with '/'"],
    ["an unknown field", (c: any) => { c.routes["default/basic"].basik = {}; }, 'routes["default/basic"].basik: unknown field'],
    ["a username with a colon", (c: any) => { c.routes["default/basic"].basic.users[0].username = "a:b"; }, "username: must not contain ':'"],
    ["an empty key list", (c: any) => { c.routes["default/jwt"].jwt.keys = []; }, 'routes["default/jwt"].jwt.keys: must list at least one key'],
    ["a quote in the realm", (c: any) => { c.realm = 'a"b'; }, "realm: must not contain quotes"],
  ])("%s", (_what, mutate, message) => {
    const config = base();
    mutate(config);
    expect(logic.configure(JSON.stringify(config))).toContain(message);
  });

  it("invalid JSON", () => {
    expect(logic.configure("{\"apiKeys\": ")).toMatch(/invalid JSON at byte/);
  });

  it("the original configuration still applies after a refused one", () => {
    expect(logic.configure(JSON.stringify(fixture.config))).toBe("");
  });
});

describe("credential parsing", () => {
  it.each([
    ["Bearer abc.def.ghi", "Bearer|abc.def.ghi"],
    ["  basic   dXNlcjpwdw==  ", "basic|dXNlcjpwdw=="],
    ["Bearer", ""],
    ["", ""],
  ])("Authorization %j", (value, parsed) => {
    expect(logic.authorizationScheme(value)).toBe(parsed);
  });

  it("Basic keeps colons in the password", () => {
    expect(logic.basicCredentials(Buffer.from("user:pa:ss").toString("base64"))).toBe("user|pa:ss");
  });

  it.each([
    ["/p?api_key=abc", "abc"],
    ["/p?a=1&api_key=x%20y+z", "x y z"],
    ["/p?api_key", ""],
    ["/p?api%5Fkey=enc", "enc"],
    ["/p?other=1", null],
    ["/p#api_key=frag", null],
    ["/p?api_key=%zz", null],
  ])("query parameter in %j", (target, value) => {
    expect(logic.queryParameter(target, "api_key")).toBe(value);
  });

  it("ASCII lower-casing leaves non-ASCII alone", () => {
    expect(logic.asciiLower("X-Äpi-KEY")).toBe("x-Äpi-key");
  });
});

describe("hostile input never traps the VM (a trap would fail every request of the worker)", () => {
  const segment = fc.oneof(
    fc.string(),
    fc.json().map((json) => Buffer.from(json).toString("base64url")),
    fc.dictionary(fc.constantFrom("alg", "kid", "crit", "exp", "nbf", "aud", "iss", "sub", "groups"), fc.jsonValue())
      .map((object) => Buffer.from(JSON.stringify(object)).toString("base64url")),
  );
  it("random Authorization values, tokens, API keys and query strings get a decision", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.string(), fc.string(), fc.constantFrom("", "default/jwt", "default/basic", "default/api"), (parts, apiKey, query, route) => {
        const lines = [`authorization: Bearer ${parts.join(".")}`, `:path: /p?${query}`].concat(apiKey.includes("\n") ? [] : [`x-api-key: ${apiKey}`]);
        expect(["allowed", "missing", "unauthorized", "forbidden"]).toContain(decide(route, lines).outcome);
        expect(decide("default/basic", [`authorization: Basic ${parts.join("")}`]).outcome).not.toBe("allowed");
      }),
      { numRuns: 300 },
    );
  });

  it("signed tokens with arbitrary claims get a decision", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("exp", "nbf", "aud", "iss", "sub", "groups", "x"), fc.jsonValue()), (claims) => {
        const r = decide("default/jwt", bearer(makeJwt(hs, claims)));
        expect(["allowed", "unauthorized", "forbidden"]).toContain(r.outcome);
      }),
      { numRuns: 200 },
    );
  });
});
