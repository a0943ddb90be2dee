// Builds the Rust SDK conformance module (rust/, crate `proxy-wasm` 0.2.2 from crates.io) into
// build/test/conformance/rust/. Crates are vendored once with a cargo that reads crates.io's
// sparse index (rustup's, or PATH's), then built offline with Debian's rustc and cargo, which
// ship the wasm32-wasi standard library (scripts/tools/tools.ts "rust-wasm32", "cargo"), from
// the committed Cargo.lock. Later runs reuse the vendored crates and cargo's build folder.
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const CRATE = fileURLToPath(new URL("./rust/Cargo.toml", import.meta.url));
const OUT = fileURLToPath(new URL("../../build/test/conformance/rust/", import.meta.url));
const VENDOR = join(OUT, "vendor");
export const RUST_MODULE = join(OUT, "target", "wasm32-wasi", "release", "conformance_rust.wasm");

const run = promisify(execFile);

/** A cargo that can fetch from crates.io's sparse index: rustup's, else PATH's. */
function fetchingCargo(): string {
  const rustup = join(homedir(), ".cargo", "bin", "cargo");
  return existsSync(rustup) ? rustup : "cargo";
}

/** Builds the module (cargo skips what is up to date) and returns its path. */
export async function buildRustModule(): Promise<string> {
  if (!existsSync(join(VENDOR, "proxy-wasm"))) {
    await run(fetchingCargo(), ["vendor", "--locked", "--manifest-path", CRATE, VENDOR], { maxBuffer: 64 << 20 });
  }
  await run("/usr/bin/cargo", [
    "build", "--offline", "--locked", "--release", "--target", "wasm32-wasi", "--manifest-path", CRATE,
    "--config", 'source.crates-io.replace-with="vendored"', "--config", `source.vendored.directory=${JSON.stringify(VENDOR)}`,
  ], { env: { ...process.env, CARGO_TARGET_DIR: join(OUT, "target"), PATH: `/usr/bin:${process.env.PATH}` }, maxBuffer: 64 << 20, timeout: 10 * 60_000 });
  statSync(RUST_MODULE);
  return RUST_MODULE;
}
