// The built-in filters as of an earlier commit (`BENCH_BEFORE=<commit>`), built with asc like
// ours, so one run can show a change's effect on the same Envoy, machine and load: the
// repository's `filters/` of that commit is extracted with `git archive` into
// build/envoy-before/<commit>/, next to a node_modules that points the SDK's package name
// at that commit's SDK.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
// Under build/ (not bench/out/): the extracted sources must stay out of the typecheck.
const OUT = fileURLToPath(new URL("../../build/envoy-before/", import.meta.url));

export interface BeforeModules {
  /** The commit, as given. */
  commit: string;
  /** Release module per built-in filter: auth, ratelimit, canary. */
  modules: Record<"auth" | "ratelimit" | "canary", string>;
}

export async function buildBeforeModules(commit: string): Promise<BeforeModules> {
  const dir = join(OUT, commit.replace(/[^\w.-]/g, "_"));
  if (!existsSync(join(dir, "filters"))) {
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["archive", commit, "filters", "asconfig.json"], { cwd: REPO, maxBuffer: 64 << 20 });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
    mkdirSync(join(dir, "node_modules", "@attache"), { recursive: true });
    symlinkSync("../../filters/sdk", join(dir, "node_modules", "@attache", "proxy-wasm-sdk"));
  }
  const asc = createRequire(import.meta.url).resolve("assemblyscript/bin/asc.js");
  const build = async (name: "auth" | "ratelimit" | "canary") => {
    const out = join(dir, `${name}.release.wasm`);
    if (!existsSync(out)) {
      await promisify(execFile)(process.execPath, [asc, `filters/${name}/index.ts`, "--config", "asconfig.json", "--target", "release", "-o", out], { cwd: dir });
    }
    return out;
  };
  return { commit, modules: { auth: await build("auth"), ratelimit: await build("ratelimit"), canary: await build("canary") } };
}
