// Registers the Wasm modules this checkout built (build/filters/<name>.release.wasm: the
// built-ins auth, ratelimit, canary and every filter made with `attache new filter`) with the
// module server, and returns their digests by name for the model (`ModelOptions.modules`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ModuleRegistry } from "../modules/registry.ts";

export function registerBuiltModules(registry: ModuleRegistry, repoRoot: string): Record<string, { sha256: string }> {
  const dir = join(repoRoot, "build", "filters");
  if (!existsSync(dir)) throw new Error(`${dir}: no built filters; run \`npm run build\` first`);
  const out: Record<string, { sha256: string }> = {};
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-z][a-z0-9-]*)\.release\.wasm$/.exec(file);
    if (m) out[m[1]] = { sha256: registry.add(readFileSync(join(dir, file)), undefined, file) };
  }
  return out;
}
