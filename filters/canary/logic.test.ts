// The canary filter's pure functions compiled to Wasm (filters/canary/logic.wasm.ts): the
// hash against published FNV-1a vectors and a BigInt reference, cookie parsing, Envoy's
// selection arithmetic, the assignment order (override, sources, sticky cookie) and every
// configuration option and rejection.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as logic from "../../build/filters/canary/logic.js";

const MASK = (1n << 64n) - 1n;
function referenceHash(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, "utf8")) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK;
  return h ^ (h >> 33n);
}

describe("hash", () => {
  it.each([
    ["", 0xcbf29ce484222325n],
    ["a", 0xaf63dc4c8601ec8cn],
    ["foobar", 0x85944171f73967e8n],
  ])("FNV-1a 64 of %j matches the published vector", (text, expected) => {
    expect(logic.fnv1a64(text)).toBe(expected);
  });

  it("equals FNV-1a over UTF-8 + fmix64 for non-ASCII keys and random ids", () => {
    const keys = ["ü", "用户-42", "emoji-😀", "lone-\ud800-surrogate", ...Array.from({ length: 50 }, () => randomUUID())];
    for (const key of keys) expect(logic.keyHash64(key), key).toBe(referenceHash(key)); // Buffer.from turns a lone surrogate into U+FFFD, as the filter does
  });
});

describe("cookieValue", () => {
  it.each([
    ["a=1; attache-canary=abc; b=2", "abc"],
    ["attache-canary=abc", "abc"],
    ["attache-canary=\"quoted\"", "quoted"],
    ["x-attache-canary=no; attache-canary=yes", "yes"],
    ["attache-canary=first; attache-canary=second", "first"],
    ["attache-canary=", ""],
  ])("%j", (header, value) => {
    expect(logic.cookieValue(header, "attache-canary")).toBe(value);
  });

  it("is null when the cookie is absent", () => {
    expect(logic.cookieValue("a=1; b=2", "attache-canary")).toBeNull();
    expect(logic.cookieValue("", "attache-canary")).toBeNull();
  });

  it("builds the sticky Set-Cookie with Path=/, HttpOnly, SameSite=Lax and Max-Age", () => {
    expect(logic.stickyCookie("attache-canary", "abc", 3600, false)).toBe("attache-canary=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
    expect(logic.stickyCookie("c", "v", 60, true)).toBe("c=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
  });
});

describe("Envoy's selection", () => {
  it("puts value % total below the canary weight on the canary (listed first)", () => {
    expect(logic.isCanary(0n, 10, 100)).toBe(true);
    expect(logic.isCanary(9n, 10, 100)).toBe(true);
    expect(logic.isCanary(10n, 10, 100)).toBe(false);
    expect(logic.isCanary(99n, 10, 100)).toBe(false);
    expect(logic.isCanary(1009n, 10, 100)).toBe(true);
    expect(logic.isCanary(MASK, 10, 100)).toBe(MASK % 100n < 10n);
    expect(logic.isCanary(0n, 0, 100)).toBe(false);
  });
});

const routeConfig = (extra: object = {}) =>
  JSON.stringify({
    keySources: ["header:x-user-id", "cookie:attache-canary", "clientAddress"],
    stickyCookie: { name: "attache-canary", maxAgeSeconds: 86400 },
    routes: { "default/web": { canaryWeight: 10 } },
    ...extra,
  });
const value = (key: string) => referenceHash(key).toString();
const side = (key: string, weight = 10n) => (referenceHash(key) % 100n < weight ? "canary" : "primary");

describe("assignment", () => {
  it("takes the key from the first source present: header, then cookie, then client address", () => {
    const config = routeConfig();
    expect(logic.assignRequest(config, "default/web", "x-user-id: alice\ncookie: attache-canary=c1", "10.0.0.1:5000"))
      .toBe(`header=${value("alice")} side=${side("alice")}`);
    expect(logic.assignRequest(config, "default/web", "cookie: attache-canary=c1", "10.0.0.1:5000"))
      .toBe(`header=${value("c1")} side=${side("c1")}`);
    expect(logic.assignRequest(config, "default/web", "x-user-id: ", "10.0.0.1:5000"))
      .toBe(`header=${value("10.0.0.1")} side=${side("10.0.0.1")}`);
  });

  it("is sticky: the same key always gives the same header value, whatever the port", () => {
    const config = routeConfig();
    const first = logic.assignRequest(config, "default/web", "", "192.0.2.7:40000");
    for (let port = 40001; port < 40020; port++) {
      expect(logic.assignRequest(config, "default/web", "", `192.0.2.7:${port}`)).toBe(first);
    }
  });

  it("sets the sticky cookie only when no source yields a key, and the cookie then keeps the side", () => {
    const config = routeConfig({ keySources: ["header:x-user-id", "cookie:attache-canary"] });
    const fresh = logic.assignRequest(config, "default/web", "", "10.0.0.1:1");
    const match = /^header=(\d+) side=(\w+) cookie=attache-canary=(visitor-\d+); Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/.exec(fresh);
    expect(match, fresh).not.toBeNull();
    const [, header, firstSide, id] = match!;
    expect(header).toBe(value(id));
    // The returning visitor sends the cookie: same value, no new cookie.
    expect(logic.assignRequest(config, "default/web", `cookie: attache-canary=${id}`, null)).toBe(`header=${header} side=${firstSide}`);
    // A header key never gets a cookie.
    expect(logic.assignRequest(config, "default/web", "x-user-id: bob", null)).not.toContain("cookie=");
  });

  it("leaves the header unset when no key is found and no sticky cookie is configured", () => {
    const config = JSON.stringify({ keySources: ["header:x-user-id"], routes: { "default/web": { canaryWeight: 10 } } });
    expect(logic.assignRequest(config, "default/web", "", "10.0.0.1:1")).toBe("header=none side=none");
  });

  it("honours the override header: always -> 0 (canary), never -> totalWeight-1 (primary)", () => {
    const config = routeConfig();
    expect(logic.assignRequest(config, "default/web", "x-canary: always\nx-user-id: a", null)).toBe("header=0 side=canary override");
    expect(logic.assignRequest(config, "default/web", "x-canary: never\nx-user-id: a", null)).toBe("header=99 side=primary override");
    expect(logic.assignRequest(routeConfig({ totalWeight: 1000 }), "default/web", "x-canary: never", null)).toBe("header=999 side=primary override");
    // Unknown values are ignored; a renamed or disabled override header is not honoured.
    expect(logic.assignRequest(config, "default/web", "x-canary: maybe\nx-user-id: a", null)).toBe(`header=${value("a")} side=${side("a")}`);
    expect(logic.assignRequest(routeConfig({ overrideHeader: "x-qa-side" }), "default/web", "x-qa-side: always", null)).toBe("header=0 side=canary override");
    expect(logic.assignRequest(routeConfig({ overrideHeader: "" }), "default/web", "x-canary: always\nx-user-id: a", null)).toBe(`header=${value("a")} side=${side("a")}`);
  });

  it("defaults: key from the client address, header x-attache-canary-hash, override x-canary, total 100", () => {
    const config = JSON.stringify({ routes: { "default/web": { canaryWeight: 30 } } });
    expect(logic.assignRequest(config, "default/web", "x-user-id: ignored", "[2001:db8::7]:443"))
      .toBe(`header=${value("2001:db8::7")} side=${side("2001:db8::7", 30n)}`);
    expect(logic.assignRequest(config, "default/web", "x-canary: never", null)).toBe("header=99 side=primary override");
    expect(logic.assignRequest(config, "default/web", "", null)).toBe("header=none side=none");
  });

  it("passes routes absent from the configuration", () => {
    expect(logic.assignRequest(routeConfig(), "default/other", "x-user-id: a", null)).toBe("pass");
  });

  it("lets routes override the defaults (weights, sources, cookie)", () => {
    const config = JSON.stringify({
      canaryWeight: 0,
      keySources: ["header:x-user-id"],
      routes: {
        "default/dark": {},
        "default/full": { canaryWeight: 100 },
        "default/tenant": { keySources: ["header:x-tenant"], canaryWeight: 500, totalWeight: 1000 },
      },
    });
    expect(logic.assignRequest(config, "default/dark", "x-user-id: a", null)).toBe(`header=${value("a")} side=primary`);
    expect(logic.assignRequest(config, "default/full", "x-user-id: a", null)).toBe(`header=${value("a")} side=canary`);
    const tenantSide = referenceHash("acme") % 1000n < 500n ? "canary" : "primary";
    expect(logic.assignRequest(config, "default/tenant", "x-tenant: acme\nx-user-id: a", null)).toBe(`header=${value("acme")} side=${tenantSide}`);
  });
});

describe("configuration", () => {
  it("accepts the documented example and an empty configuration", () => {
    expect(logic.checkConfig(routeConfig({ hashHeader: "x-canary-hash", totalWeight: 100, overrideHeader: "x-canary" }))).toBe("ok");
    expect(logic.checkConfig("")).toBe("ok");
    expect(logic.checkConfig("{}")).toBe("ok");
  });

  it.each([
    ["not JSON", "{", /^configuration: invalid JSON at byte 1/],
    ["a non-object", "[]", /^configuration: expected an object, got an array$/],
    ["an unknown top-level field", { canaryWeigth: 10 }, /^canaryWeigth: unknown field/],
    ["an unknown route field", { routes: { "ns/r": { canaryWeight: 1, weight: 2 } } }, /^routes\["ns\/r"\]\.weight: unknown field/],
    ["a route that is not an object", { routes: { "ns/r": 5 } }, /^routes\["ns\/r"\]: expected an object, got a number$/],
    ["a null route", { routes: { "ns/r": null } }, /^routes\["ns\/r"\]: expected an object, got null$/],
    ["a missing canaryWeight", { routes: { "ns/r": {} } }, /^routes\["ns\/r"\]\.canaryWeight: is required/],
    ["canaryWeight above totalWeight", { routes: { "ns/r": { canaryWeight: 101 } } }, /^routes\["ns\/r"\]\.canaryWeight: must not exceed totalWeight \(100\)$/],
    ["a fractional weight", { routes: { "ns/r": { canaryWeight: 2.5 } } }, /^routes\["ns\/r"\]\.canaryWeight: must be an integer from 0 to 1000000$/],
    ["a zero totalWeight", { totalWeight: 0, routes: {} }, /^totalWeight: must be an integer from 1/],
    ["an upper-case hashHeader", { hashHeader: "X-Hash" }, /^hashHeader: must be lower-case/],
    ["an invalid overrideHeader", { overrideHeader: "x canary" }, /^overrideHeader: is not a valid header name$/],
    ["an empty keySources", { keySources: [] }, /^keySources: must list at least one key source$/],
    ["an unknown key source", { keySources: ["query:user"] }, /^keySources\[0\]: must be "header:<name>", "cookie:<name>" or "clientAddress", got "query:user"$/],
    ["a bad header source", { keySources: ["clientAddress", "header:"] }, /^keySources\[1\]: header name must not be empty$/],
    ["a bad cookie source", { keySources: ["cookie:a;b"] }, /^keySources\[0\]: cookie name is not a valid cookie name$/],
    ["a non-string key source", { keySources: [1] }, /^keySources\[0\]: expected a string, got a number$/],
    ["a sticky cookie without name", { stickyCookie: {} }, /^stickyCookie\.name: is required$/],
    ["a bad sticky cookie field", { stickyCookie: { name: "c", path: "/" } }, /^stickyCookie\.path: unknown field/],
    ["a bad maxAgeSeconds", { stickyCookie: { name: "c", maxAgeSeconds: 0 } }, /^stickyCookie\.maxAgeSeconds: expected an integer between 1 and/],
    ["a non-boolean secure", { stickyCookie: { name: "c", secure: "yes" } }, /^stickyCookie\.secure: expected a boolean, got a string$/],
    [
      "a sticky cookie the sources never read",
      { keySources: ["clientAddress"], stickyCookie: { name: "c" }, routes: { "ns/r": { canaryWeight: 5 } } },
      /^routes\["ns\/r"\]\.stickyCookie\.name: "c" must also be listed in keySources as "cookie:c"$/,
    ],
  ])("rejects %s", (_name, config, message) => {
    const text = typeof config === "string" ? config : JSON.stringify(config);
    expect(logic.checkConfig(text)).toMatch(message);
  });
});
