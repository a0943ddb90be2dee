// config.schema.json (used by the control plane to validate WasmFilter configs) and the
// filter's own parser agree: the README example passes both, structural mistakes fail both.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as logic from "../../build/filters/canary/logic.js";

const here = new URL(".", import.meta.url);
const schema = JSON.parse(readFileSync(new URL("config.schema.json", here), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const readme = readFileSync(new URL("README.md", here), "utf8");
const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)![1]);

describe("canary config.schema.json", () => {
  it("accepts the README example, as the filter does", () => {
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(logic.checkConfig(JSON.stringify(example))).toBe("ok");
  });

  it.each([
    ["unknown field", { canaryWeigth: 1 }],
    ["negative weight", { canaryWeight: -1 }],
    ["zero total", { totalWeight: 0 }],
    ["empty keySources", { keySources: [] }],
    ["unknown source", { keySources: ["query:u"] }],
    ["upper-case hash header", { hashHeader: "X-Hash" }],
    ["cookie without name", { stickyCookie: { maxAgeSeconds: 5 } }],
    ["unknown cookie field", { stickyCookie: { name: "c", domain: "x" } }],
    ["route field typo", { routes: { "a/b": { canaryweight: 5 } } }],
  ])("rejects %s, as the filter does", (_name, config) => {
    expect(validate(config)).toBe(false);
    expect(logic.checkConfig(JSON.stringify(config))).not.toBe("ok");
  });
});
