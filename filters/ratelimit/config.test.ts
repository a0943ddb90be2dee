// Every option of the ratelimit configuration and every rejection, through the compiled
// parser (filters/ratelimit/logic.wasm.ts -> config.ts).
import { describe, expect, it } from "vitest";
import * as logic from "../../build/filters/ratelimit/logic.js";

const SECOND = 1_000_000_000;

describe("ratelimit configuration", () => {
  it("applies top-level defaults to every route and lets routes override them", () => {
    const config = JSON.stringify({
      requests: 100,
      interval: "1m",
      burst: 20,
      keyBy: ["clientAddress"],
      responseHeaders: true,
      maxKeys: 5000,
      routes: {
        "default/api": {},
        "default/login": { requests: 5, interval: "1h", burst: 1, keyBy: ["header:x-attache-claim-sub"], responseHeaders: false, legacyHeaders: true },
      },
    });
    expect(logic.describeRoute(config, "default/api")).toBe(`requests=100 interval=${60 * SECOND}ns burst=20 keyBy=clientAddress responseHeaders maxKeys=5000`);
    expect(logic.describeRoute(config, "default/login")).toBe(
      `requests=5 interval=${3600 * SECOND}ns burst=1 keyBy=header:x-attache-claim-sub legacyHeaders maxKeys=5000`,
    );
    expect(logic.describeRoute(config, "default/other")).toBe("pass");
  });

  it("defaults interval to 1s, burst to requests, keyBy to the route alone and maxKeys to 10000", () => {
    const config = JSON.stringify({ routes: { "ns/r": { requests: 7 } } });
    expect(logic.describeRoute(config, "ns/r")).toBe(`requests=7 interval=${SECOND}ns burst=7 keyBy= maxKeys=10000`);
    expect(logic.checkConfig("")).toBe("ok");
    expect(logic.checkConfig("{}")).toBe("ok");
  });

  it("builds keys from the route and the keyBy parts in order; a missing part is empty", () => {
    const config = JSON.stringify({ requests: 1, keyBy: ["clientAddress", "header:x-api-key"], routes: { "ns/r": {}, "ns/all": { keyBy: [] } } });
    expect(logic.keyFor(config, "ns/r", "x-api-key: k1", "10.0.0.1:4000")).toBe("ns/r|10.0.0.1|k1");
    expect(logic.keyFor(config, "ns/r", "x-api-key: k1", "[2001:db8::1]:4000")).toBe("ns/r|2001:db8::1|k1");
    expect(logic.keyFor(config, "ns/r", "", "10.0.0.1:4001")).toBe("ns/r|10.0.0.1|");
    expect(logic.keyFor(config, "ns/r", "", null)).toBe("ns/r||");
    expect(logic.keyFor(config, "ns/all", "x-api-key: k1", "10.0.0.1:4000")).toBe("ns/all");
  });

  it("gives every request the bucket of its key: the fingerprint hashes the key without building it", () => {
    const config = JSON.stringify({ requests: 1, keyBy: ["clientAddress", "header:x-api-key"], routes: { "ns/r": {}, "ns/é": { keyBy: [] } } });
    const cases: [string, string, string | null][] = [
      ["ns/r", "x-api-key: k1", "10.0.0.1:4000"],
      ["ns/r", "", null],
      ["ns/r", "x-api-key: clé-日本-😀", "[2001:db8::1]:443"],
      ["ns/é", "x-api-key: k1", "10.0.0.1:4000"],
      // Every form stripPort knows, read from the address bytes: port stripped only when numeric.
      ["ns/r", "x-api-key: k1", "2001:db8::1"],
      ["ns/r", "x-api-key: k1", "[2001:db8::1]"],
      ["ns/r", "x-api-key: k1", "[2001:db8::1"],
      ["ns/r", "x-api-key: k1", "10.0.0.1:"],
      ["ns/r", "x-api-key: k1", "10.0.0.1:80a"],
      ["ns/r", "x-api-key: k1", "envoy://internal"],
      ["ns/r", "x-api-key: k1", "[fe80::1%é]:8080"],
      ["ns/r", "x-api-key: k1", ""],
      ["ns/r", "x-api-key: ", "10.0.0.1"],
    ];
    for (const [route, headers, address] of cases) {
      const key = logic.keyFor(config, route, headers, address).replaceAll("|", "\n");
      expect(logic.fingerprintFor(config, route, headers, address)).toBe(logic.keyHash64(key));
    }
  });

  it.each([
    ["not JSON", "{\"requests\": }", /^configuration: invalid JSON at byte 13/],
    ["a non-object", "5", /^configuration: expected an object, got a number$/],
    ["an unknown top-level field", { request: 5 }, /^request: unknown field/],
    ["maxKeys on a route", { routes: { "default/api": { requests: 1, maxKeys: 5 } } }, /^routes\["default\/api"\]\.maxKeys: unknown field/],
    ["a route that is not an object", { routes: { "default/api": [] } }, /^routes\["default\/api"\]: expected an object, got an array$/],
    ["a null route", { routes: { "default/api": null } }, /^routes\["default\/api"\]: expected an object, got null$/],
    ["routes that is not an object", { routes: [] }, /^routes: expected an object, got an array$/],
    ["a missing requests", { routes: { "default/api": {} } }, /^routes\["default\/api"\]\.requests: is required/],
    ["a zero requests", { routes: { "default/api": { requests: 0 } } }, /^routes\["default\/api"\]\.requests: must be a positive integer \(at most 1000000\)$/],
    ["a fractional requests", { routes: { "default/api": { requests: 1.5 } } }, /^routes\["default\/api"\]\.requests: must be a positive integer/],
    ["a string requests", { requests: "10" }, /^requests: must be a positive integer/],
    ["too many requests", { requests: 2_000_000 }, /^requests: must be a positive integer \(at most 1000000\)$/],
    ["a negative burst", { burst: -1 }, /^burst: must be a positive integer/],
    ["a bad interval", { interval: "1d" }, /^interval: must be a duration from 1ms to 24h such as "500ms", "1s", "1m" or "1h", got "1d"$/],
    ["a numeric interval", { interval: 1 }, /^interval: expected a string, got a number$/],
    ["a window over 100 years", { routes: { "ns/r": { requests: 1, interval: "24h", burst: 1_000_000 } } }, /^routes\["ns\/r"\]\.burst: burst x interval \/ requests must stay under 100 years$/],
    ["keyBy that is not a list", { keyBy: "clientAddress" }, /^keyBy: expected an array, got a string$/],
    ["an unknown keyBy entry", { keyBy: ["clientAddress", "cookie:session"] }, /^keyBy\[1\]: must be "clientAddress" or "header:<name>", got "cookie:session"$/],
    ["an upper-case keyBy header", { keyBy: ["header:X-Api-Key"] }, /^keyBy\[0\]: header name must be lower-case/],
    ["a non-string keyBy entry", { keyBy: [true] }, /^keyBy\[0\]: expected a string, got a boolean$/],
    ["a non-boolean responseHeaders", { responseHeaders: "yes" }, /^responseHeaders: expected a boolean, got a string$/],
    ["a non-boolean legacyHeaders", { legacyHeaders: 1 }, /^legacyHeaders: expected a boolean, got a number$/],
    ["a zero maxKeys", { maxKeys: 0 }, /^maxKeys: must be a positive integer/],
  ])("rejects %s", (_name, config, message) => {
    const text = typeof config === "string" ? config : JSON.stringify(config);
    expect(logic.checkConfig(text)).toMatch(message);
  });
});
