// Builds the Rust proxy-wasm SDK twins (twins-rust/) into bench/out/envoy-twins/. Crates come
// from crates.io through a cargo that reads its sparse index (cargo >= 1.68, e.g. rustup's);
// the build uses Debian's rustc, which ships the wasm32-wasi standard library
// (scripts/tools/tools.ts "rust-wasm32"), with the vendored crates and Cargo.lock as committed.
// Later runs reuse the vendored crates and the build folder.
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { locate } from "../../scripts/tools/registry.ts";
import { installHint, toolNamed } from "../../scripts/tools/tools.ts";

const CRATES = fileURLToPath(new URL("./twins-rust/", import.meta.url));
const OUT = fileURLToPath(new URL("../out/envoy-twins/", import.meta.url));
const VENDOR = join(OUT, "vendor");
export const TWIN_NAMES = ["auth", "ratelimit", "canary"] as const;
export type TwinName = (typeof TWIN_NAMES)[number];

const run = promisify(execFile);

/** A cargo that can fetch from crates.io's sparse index: CARGO_FETCH, rustup's, or PATH's. */
function fetchingCargo(): string {
  if (process.env.CARGO_FETCH) return process.env.CARGO_FETCH;
  const rustup = join(homedir(), ".cargo", "bin", "cargo");
  return existsSync(rustup) ? rustup : "cargo";
}

export interface Twins { modules: Record<TwinName, string> }

/** Builds the twins (or reuses the last build) and returns their paths; throws saying why not. */
export async function buildTwins(): Promise<Twins> {
  const rust = toolNamed("rust-wasm32");
  if (!locate(rust) || !locate(toolNamed("cargo"))) {
    throw new Error(`Rust twins need Debian's rustc, cargo and wasm32 std: ${installHint(["cargo", "rust-wasm32"])}`);
  }
  if (!existsSync(join(VENDOR, "proxy-wasm"))) {
    await run(fetchingCargo(), ["vendor", "--locked", "--manifest-path", join(CRATES, "Cargo.toml"), VENDOR], { maxBuffer: 64 << 20 });
  }
  await run("/usr/bin/cargo", [
    "build", "--offline", "--locked", "--release", "--target", "wasm32-wasi", "--manifest-path", join(CRATES, "Cargo.toml"),
    "--config", 'source.crates-io.replace-with="vendored"', "--config", `source.vendored.directory=${JSON.stringify(VENDOR)}`,
  ], { env: { ...process.env, CARGO_TARGET_DIR: join(OUT, "target"), PATH: `/usr/bin:${process.env.PATH}` }, maxBuffer: 64 << 20, timeout: 20 * 60_000 });
  const modules = Object.fromEntries(TWIN_NAMES.map((name) => [name, join(OUT, "target", "wasm32-wasi", "release", `twin_${name}.wasm`)])) as Record<TwinName, string>;
  for (const path of Object.values(modules)) statSync(path);
  return { modules };
}
