// What test/tools.ts and the vitest globalSetup (test/tools-report.ts) share, without vitest:
// a globalSetup module must not import vitest's test API.
import { locate } from "../scripts/tools/registry.ts";
import { toolNamed } from "../scripts/tools/tools.ts";

export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";

/** The installed tool's executable, or undefined. */
export function findTool(name: string): string | undefined {
  return locate(toolNamed(name));
}

export function installHint(names: string[]): string {
  const tools = names.map(toolNamed);
  const hints: string[] = [];
  if (tools.some((t) => t.kind === "project")) hints.push("npm run tools");
  const debian = [...new Set(tools.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  if (debian.length) hints.push(`apt-get install -y ${debian.join(" ")} (as root)`);
  return hints.join(" and ");
}
