// Golden tests: see golden.ts. Each case also passes the proto check (every resource encodes
// with the real Envoy protos and round-trips) and the model/translator contract check.
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { irProblems } from "../translate/index.ts";
import { protoCheck } from "../translate/protocheck.ts";
import { caseNames, goldenFiles, OUT_DIR, runCase } from "./golden.ts";

const UPDATE = process.env.UPDATE_GOLDENS === "1";
const cases = caseNames();

describe.each(cases)("golden case %s", (name) => {
  const result = runCase(name);
  const files = goldenFiles(name, result);
  // A stale golden of this case (a type that is now empty) must go too.
  const existing = readdirSync(OUT_DIR).filter((f) => f.startsWith(`${name}.`) && f.slice(name.length + 1).split(".").length === 2);

  it("matches the goldens", () => {
    for (const [file, content] of files) {
      const path = join(OUT_DIR, file);
      if (UPDATE) {
        if (!existsSync(path) || readFileSync(path, "utf8") !== content) writeFileSync(path, content);
        continue;
      }
      expect(existsSync(path), `missing golden ${file} (run UPDATE_GOLDENS=1 npx vitest run controlplane/testdata)`).toBe(true);
      expect(content, `golden ${file}`).toBe(readFileSync(path, "utf8"));
    }
    for (const file of existing) {
      if (files.has(file)) continue;
      if (UPDATE) unlinkSync(join(OUT_DIR, file));
      else expect.fail(`stale golden ${file}: this case no longer produces it`);
    }
  });

  it("produces only resources Envoy's protos accept", () => {
    expect(protoCheck(result.resources).problems).toEqual([]);
  });

  it("hands the translator a consistent IR", () => {
    expect(irProblems(result.ir)).toEqual([]);
  });
});

describe("golden files", () => {
  it("has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it("has no goldens of cases that no longer exist", () => {
    const known = new Set(cases);
    const stale = readdirSync(OUT_DIR).filter((f) => !known.has(f.split(".").slice(0, -2).join(".")));
    if (UPDATE) for (const file of stale) unlinkSync(join(OUT_DIR, file));
    else expect(stale).toEqual([]);
  });
});
