// Model options for CLI commands run from this repository: filter schemas and module digests
// read from filters/ and build/filters/ next to this file.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelOptions } from "../model/index.ts";
import { declaredModuleDigests, loadFilterSchemas } from "../sources/file/local-filters.ts";

/** Where this installation's files live (filters/, build/filters/): the repository
 *  in a checkout, or the bundled CLI's directory in the container image (see Dockerfile);
 *  ATTACHE_HOME overrides both. */
export const REPO_ROOT = process.env.ATTACHE_HOME ?? findInstallRoot(dirname(fileURLToPath(import.meta.url)));

function findInstallRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) || existsSync(join(dir, "attache.mjs"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** For commands that only check or print: unbuilt filters get a placeholder digest. */
export function offlineModelOptions(root = REPO_ROOT): ModelOptions {
  return {
    moduleServer: { clusterName: "attache-modules", host: "127.0.0.1", port: 18002 },
    modules: declaredModuleDigests(root),
    filterSchemas: loadFilterSchemas(root),
    allowUrlServices: true,
  };
}
