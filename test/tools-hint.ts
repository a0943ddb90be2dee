// What test/tools-report.ts (a vitest globalSetup, which must not import vitest) shares with
// test/tools.ts: the skip-record folder's environment variable and the install hint.
import { toolNamed } from "../scripts/tools/tools.ts";

export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";

export function installHint(names: string[]): string {
  const tools = names.map(toolNamed);
  const hints: string[] = [];
  if (tools.some((t) => t.kind === "project")) hints.push("npm run tools");
  const debian = [...new Set(tools.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  if (debian.length) hints.push(`apt-get install -y ${debian.join(" ")} (as root)`);
  return hints.join(" and ");
}
