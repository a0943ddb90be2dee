// The one way a test finds an external tool (Envoy, Chromium, wasm toolchains, ...), through
// the table in scripts/tools/. A suite that needs a missing tool is skipped and recorded, and
// the run ends with one line naming what was skipped and the command that installs it
// (test/tools-report.ts). With CI=true a missing tool fails the suite instead, so CI can never
// pass by skipping.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { findTool, installHint } from "../scripts/tools/tools.ts";
import { SKIP_DIR_ENV } from "./tools-report.ts";

export { findTool, toolPath } from "../scripts/tools/tools.ts";

/**
 * `describe`, when every named tool is installed. Otherwise the suite is skipped (and recorded
 * for the end-of-run line), or fails under CI=true.
 */
export function describeWithTools(names: string[], title: string, body: () => void): void {
  const missing = names.filter((name) => !findTool(name));
  if (!missing.length) {
    describe(title, body);
    return;
  }
  const reason = `needs ${missing.join(", ")}: ${installHint(missing)}`;
  if (process.env.CI === "true") {
    describe(title, () => {
      it(reason, () => {
        throw new Error(`CI=true and ${missing.join(", ")} missing: ${installHint(missing)}`);
      });
    });
    return;
  }
  const dir = process.env[SKIP_DIR_ENV];
  if (dir) writeFileSync(join(dir, randomUUID()), JSON.stringify({ title, missing }));
  describe.skip(title, () => {
    it(reason, () => {});
  });
}
