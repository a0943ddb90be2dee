// Where this installation's files live, found from this file's location.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
