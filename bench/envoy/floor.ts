// Builds floor/noop.wasm.ts, the Wasm filter that does nothing, and floor/reads.wasm.ts, which
// only reads the two properties our filters read per request (their headers say why), into
// bench/out/envoy-floor/ with asc and the repository's compiler settings (asconfig.json), as
// our filters are built; and combined/checks.wasm.ts, the experiment of the three built-in checks in
// one filter, as a release build.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const OUT = fileURLToPath(new URL("../out/envoy-floor/", import.meta.url));

export interface FloorModules {
  noop: string;
  reads: string;
  /** combined/checks.wasm.ts: the three built-in checks in one filter (release build, the filters' settings). */
  checks: string;
}

export async function buildFloorModules(): Promise<FloorModules> {
  mkdirSync(OUT, { recursive: true });
  const asc = createRequire(import.meta.url).resolve("assemblyscript/bin/asc.js");
  const build = async (name: string) => {
    const out = join(OUT, `${name}.wasm`);
    await promisify(execFile)(process.execPath, [asc, `bench/envoy/floor/${name}.wasm.ts`, "-o", out, "--runtime", "stub", "-O3"], { cwd: REPO });
    return out;
  };
  const checks = join(OUT, "checks.wasm");
  await promisify(execFile)(process.execPath, [asc, "bench/envoy/combined/checks.wasm.ts", "--config", "asconfig.json", "--target", "release", "-o", checks], { cwd: REPO });
  return { noop: await build("noop"), reads: await build("reads"), checks };
}
