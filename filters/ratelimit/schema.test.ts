// config.schema.json (used by the control plane to validate WasmFilter configs) and the
// filter's own parser agree: the README example passes both, structural mistakes fail both.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as logic from "../../build/filters/ratelimit/logic.js";

const here = new URL(".", import.meta.url);
const schema = JSON.parse(readFileSync(new URL("config.schema.json", here), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const readme = readFileSync(new URL("README.md", here), "utf8");
const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)![1]);

describe("ratelimit config.schema.json", () => {
  it("accepts the README example, as the filter does", () => {
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(logic.checkConfig(JSON.stringify(example))).toBe("ok");
  });

  it.each([
    ["unknown field", { requestz: 1 }],
    ["zero requests", { requests: 0 }],
    ["bad interval", { interval: "1 minute" }],
    ["bad keyBy", { keyBy: ["cookie:x"] }],
    ["upper-case header", { keyBy: ["header:X-Key"] }],
    ["maxKeys on a route", { routes: { "a/b": { requests: 1, maxKeys: 3 } } }],
    ["non-boolean responseHeaders", { responseHeaders: "true" }],
  ])("rejects %s, as the filter does", (_name, config) => {
    expect(validate(config)).toBe(false);
    expect(logic.checkConfig(JSON.stringify(config))).not.toBe("ok");
  });
});
