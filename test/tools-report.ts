// vitest globalSetup: gives test workers a folder to record suites skipped for a missing tool
// (test/tools.ts), and after the run prints one line saying what was skipped and how to install it.
// It runs outside the test workers, so it must not import vitest (test/tools.ts does).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installHint } from "../scripts/tools/tools.ts";

/** Where test workers record skipped suites; set here, inherited by the workers. */
export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "attache-skipped-"));
  process.env[SKIP_DIR_ENV] = dir;
  return () => {
    const skipped = readdirSync(dir).map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")) as { title: string; missing: string[] });
    rmSync(dir, { recursive: true, force: true });
    if (!skipped.length) return;
    const tools = [...new Set(skipped.flatMap((s) => s.missing))].sort();
    console.log(`\nSKIPPED ${skipped.length} suite(s) needing ${tools.join(", ")}: install with ${installHint(tools)}`);
  };
}
