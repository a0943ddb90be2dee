// Builds floor/noop.wasm.ts, the Wasm filter that does nothing (its header says why), into
// bench/out/envoy-floor/ with asc and the repository's compiler settings (asconfig.json), as
// our filters are built.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const OUT = fileURLToPath(new URL("../out/envoy-floor/", import.meta.url));

export async function buildFloorModule(): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const asc = createRequire(import.meta.url).resolve("assemblyscript/bin/asc.js");
  const out = join(OUT, "noop.wasm");
  await promisify(execFile)(process.execPath, [asc, "bench/envoy/floor/noop.wasm.ts", "-o", out, "--runtime", "stub", "-O3"], { cwd: REPO });
  return out;
}
