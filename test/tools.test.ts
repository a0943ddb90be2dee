// describeWithTools as a user meets it: a suite whose tool is missing is skipped and the run
// ends with one line naming the tool and its install command, and exits 0; with CI=true the
// same run fails. The tool is made missing by pointing ATTACHE_TOOLS_DIR at an empty folder.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/tools/registry.ts";

const emptyTools = mkdtempSync(join(tmpdir(), "attache-no-tools-"));
afterAll(() => rmSync(emptyTools, { recursive: true, force: true }));

function runFixture(ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, ATTACHE_TOOLS_DIR: emptyTools, CI: ci ? "true" : "" };
  delete env.VITEST; delete env.VITEST_WORKER_ID; delete env.VITEST_POOL_ID; delete env.ATTACHE_SKIPPED_TOOLS_DIR;
  const vitest = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
  const result = spawnSync(process.execPath, [vitest, "run", "--config", "test/tools-fixture/vitest.config.ts"], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("a suite needing a missing tool", () => {
  it("is skipped, and the run ends with the line naming it and `npm run tools`", () => {
    const { status, output } = runFixture(false);
    expect(status, output).toBe(0);
    expect(output).toContain("SKIPPED 1 suite(s) needing envoy: install with npm run tools");
  });

  it("fails the run under CI=true, naming the tool and the install command", () => {
    const { status, output } = runFixture(true);
    expect(status, output).toBe(1);
    expect(output).toContain("CI=true and envoy missing: npm run tools");
  });
});
