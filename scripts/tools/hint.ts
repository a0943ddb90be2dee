// What to run to install missing tools; shared by test/tools.ts and the vitest globalSetup
// (test/tools-report.ts), which must not import vitest itself.
import { toolNamed } from "./tools.ts";

/** Environment variable naming the folder where skipped suites are recorded. */
export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";

export function installHint(names: string[]): string {
  const tools = names.map(toolNamed);
  const hints: string[] = [];
  if (tools.some((t) => t.kind === "project")) hints.push("npm run tools");
  const debian = [...new Set(tools.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  if (debian.length) hints.push(`apt-get install -y ${debian.join(" ")} (as root)`);
  return hints.join(" and ");
}
