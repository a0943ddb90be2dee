// What the runner and the CLI pass to the model about this repository's filters: the JSON
// schemas of their configurations (filters/<name>/config.schema.json) and the SHA-256 of each
// built module (build/filters/<name>.release.wasm), the digests Envoy verifies modules against.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function loadFilterSchemas(root: string): Record<string, object> {
  const schemas: Record<string, object> = {};
  const dir = join(root, "filters");
  if (!existsSync(dir)) return schemas;
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, "config.schema.json");
    if (existsSync(file)) schemas[name] = JSON.parse(readFileSync(file, "utf8")) as object;
  }
  return schemas;
}

export function builtModuleDigests(root: string): Record<string, { sha256: string }> {
  const modules: Record<string, { sha256: string }> = {};
  const dir = join(root, "build", "filters");
  if (!existsSync(dir)) return modules;
  for (const file of readdirSync(dir).sort()) {
    const match = /^([a-z][a-z0-9-]*)\.release\.wasm$/.exec(file);
    if (match) modules[match[1]] = { sha256: createHash("sha256").update(readFileSync(join(dir, file))).digest("hex") };
  }
  return modules;
}

/** Built digests, plus an all-zero placeholder for every filter that has sources but is not
 *  built yet — for `attache validate`, which checks YAML, not whether `npm run build` ran. */
export function declaredModuleDigests(root: string): Record<string, { sha256: string }> {
  const modules: Record<string, { sha256: string }> = {};
  const dir = join(root, "filters");
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) if (existsSync(join(dir, name, "index.ts"))) modules[name] = { sha256: "0".repeat(64) };
  }
  return { ...modules, ...builtModuleDigests(root) };
}
