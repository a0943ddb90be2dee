// `attache build`: compiles every filter under filters/ with asc (debug + release), the same
// as `npm run build`.
import { spawnSync } from "node:child_process";
import type { CommandIo } from "./commands.ts";
import { REPO_ROOT } from "./model-options.ts";

export async function run(_args: string[], io: CommandIo): Promise<number> {
  const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, encoding: "utf8" });
  io.out(result.stdout ?? "");
  io.err(result.stderr ?? "");
  return result.status ?? 1;
}
