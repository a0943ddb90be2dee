// config.schema.json (the control plane validates WasmFilter configs with it) and the filter's
// own parser agree: the README example and the test fixture pass both; structural mistakes
// fail both.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import Ajv2020 from "ajv/dist/2020.js";
import * as logic from "../../build/filters/auth/logic.js";
import { makeFixture } from "./fixtures.ts";

const here = new URL(".", import.meta.url);
const schema = JSON.parse(readFileSync(new URL("config.schema.json", here), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const readme = readFileSync(new URL("README.md", here), "utf8");
const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)![1]!);

describe("auth config.schema.json", () => {
  it("accepts the README example, as the filter does", () => {
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(logic.configure(JSON.stringify(example))).toBe("");
  });

  it("accepts the test fixture, as the filter does", () => {
    const { config } = makeFixture();
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(logic.configure(JSON.stringify(config))).toBe("");
  });

  const key = { name: "k", sha256: "a".repeat(64) };
  it.each([
    ["an unknown top-level field", { apiKey: {} }],
    ["an API key digest that is not hex", { apiKeys: { keys: [{ name: "k", sha256: "xyz" }] } }],
    ["an empty key list", { apiKeys: { keys: [] } }],
    ["an upper-case header", { apiKeys: { header: "X-Key", keys: [key] } }],
    ["an RSA JWK claiming HS256", { jwt: { keys: [{ kty: "RSA", alg: "HS256", n: "AQAB", e: "AQAB" }] } }],
    ["an EC JWK on another curve", { jwt: { keys: [{ kty: "EC", crv: "P-384", x: "AA", y: "AA" }] } }],
    ["a JWK with private material", { jwt: { keys: [{ kty: "oct", k: "AA", d: "AA" }] } }],
    ["an oct JWK without k", { jwt: { keys: [{ kty: "oct" }] } }],
    ["a negative clock skew", { jwt: { keys: [{ kty: "oct", k: "AA" }], clockSkewSeconds: -1 } }],
    ["a callout without cluster", { external: { timeoutMs: 100 } }],
    ["a statusOnError below 400", { external: { cluster: "c", statusOnError: 200 } }],
    ["a route with an unknown field", { routes: { "a/b": { routes: {} } } }],
    ["a username with a colon", { basic: { users: [{ username: "a:b", passwordSha256: "a".repeat(64) }] } }],
  ])("rejects %s, as the filter does", (_name, config) => {
    expect(validate(config)).toBe(false);
    expect(logic.configure(JSON.stringify(config))).not.toBe("");
  });

  it("lets a route switch a method off with null, as the filter does", () => {
    const config = { apiKeys: { keys: [key] }, routes: { "a/b": { apiKeys: null } } };
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(logic.configure(JSON.stringify(config))).toBe("");
  });
});
