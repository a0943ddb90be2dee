// How tests find an external tool (Envoy, Chromium, wasm toolchains, ...), through the table in
// scripts/tools/. Kept free of vitest imports: the globalSetup (tools-report.ts) uses it outside
// a test worker, where importing vitest fails.
import { locate } from "../scripts/tools/registry.ts";
import { toolNamed } from "../scripts/tools/tools.ts";

export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";

/** The installed tool's executable, or undefined. */
export function findTool(name: string): string | undefined {
  return locate(toolNamed(name));
}

/** The installed tool's executable; throws with the install command when it is missing. */
export function toolPath(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed: ${installHint([name])}`);
  return path;
}

export function installHint(names: string[]): string {
  const tools = names.map(toolNamed);
  const hints: string[] = [];
  if (tools.some((t) => t.kind === "project")) hints.push("npm run tools");
  const debian = [...new Set(tools.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  if (debian.length) hints.push(`apt-get install -y ${debian.join(" ")} (as root)`);
  return hints.join(" and ");
}
