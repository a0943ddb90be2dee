// The coverage table in host/README.md must list every host function the host provides, each
// with a test file that really calls it — so a new host function cannot ship undocumented or
// untested.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { providedEnvFunctionNames, providedWasiFunctionNames } from "./runtime/imports/index.ts";

const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Host function coverage"));
const rows = new Map<string, string>();
for (const line of section.split("\n")) {
  const match = /^\| ([a-z_0-9]+)(?: \(0\.1\.0\))? \| ([^|]+\.test\.ts) \|/.exec(line);
  if (match) rows.set(match[1]!, match[2]!.trim());
}

describe("host/README.md coverage table", () => {
  const all = [...providedEnvFunctionNames(), ...providedWasiFunctionNames()];

  it("lists every provided host function", () => {
    expect(all.filter((name) => !rows.has(name))).toEqual([]);
    expect([...rows.keys()].filter((name) => !all.includes(name))).toEqual([]);
  });

  it.each(all)("%s: the named test file calls it", (name) => {
    const file = new URL(`./${rows.get(name)}`, import.meta.url);
    expect(existsSync(file)).toBe(true);
    // Called through the probe as call("<name>", ...) or its export call_<name>.
    expect(readFileSync(file, "utf8")).toMatch(new RegExp(`["'\`]${name}["'\`]|call_${name}\\b`));
  });
});
