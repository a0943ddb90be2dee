// Compiles the proxy-wasm modules written for other toolchains (rust/filter.rs, cpp/filter.cc)
// into build/host/testdata/foreign/, for host/foreign-modules.test.ts. The compilers are
// Debian's (not rustup's: its rustc on PATH has no wasm32 target), found through the tool
// table as `rust-wasm32` and `clang-wasm32` (scripts/tools/tools.ts lists every file and
// package each needs). Outputs are reused while the source, the flags and the compiler binary
// are unchanged (a `.stamp` with their hash, as the SDK's build tool, filters/sdk/build.mjs, does), so only the
// first run after a change pays for the compile.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { toolPath } from "../../../scripts/tools/tools.ts";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "../../../build/host/testdata/foreign");

export type ForeignLanguage = "rust" | "cpp";

interface Toolchain {
  /** The tool (scripts/tools/tools.ts) whose executable is the compiler. */
  tool: string;
  source: string;
  args: (out: string) => string[];
}

const TOOLCHAINS: Record<ForeignLanguage, Toolchain> = {
  rust: {
    tool: "rust-wasm32",
    source: join(here, "rust/filter.rs"),
    // A release cdylib as `cargo build --release --target wasm32-wasi` makes it with the usual
    // proxy-wasm profile (one codegen unit, panic=abort, strip=debuginfo: names kept, so traps
    // show Rust function names); opt-level=s costs the least compile time of the release levels.
    args: (out) => ["--edition", "2021", "--crate-type", "cdylib", "--target", "wasm32-wasi", "-C", "opt-level=s",
      "-C", "codegen-units=1", "-C", "panic=abort", "-C", "strip=debuginfo", "-D", "warnings",
      "-o", out, join(here, "rust/filter.rs")],
  },
  cpp: {
    tool: "clang-wasm32",
    source: join(here, "cpp/filter.cc"),
    // A WASI reactor (`_initialize` runs static constructors) exporting malloc, as the C++ SDK's
    // Emscripten build does.
    args: (out) => ["--target=wasm32-wasi", "-std=c++17", "-O2", "-fno-exceptions", "-Wall", "-Werror", "-mexec-model=reactor",
      "-Wl,--export=malloc", "-Wl,--strip-debug", "-o", out, join(here, "cpp/filter.cc")],
  },
};

const run = promisify(execFile);

/** The compiled module of `language`, built if its source, flags or compiler changed. */
export async function buildForeignModule(language: ForeignLanguage): Promise<string> {
  const toolchain = TOOLCHAINS[language];
  const compiler = toolPath(toolchain.tool);
  const out = join(outDir, `${language}-filter.wasm`);
  const stamp = `${out}.stamp`;
  const hash = createHash("sha256")
    .update(readFileSync(toolchain.source))
    .update(toolchain.args("OUT").join("\0"))
    .update(`${compiler}:${statSync(compiler).mtimeMs}`)
    .digest("hex");
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return out;
  mkdirSync(outDir, { recursive: true });
  // A private name, renamed into place: two test runs at once never see a half-written module.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    // rustc finds rust-lld on PATH; Debian's is in /usr/bin.
    await run(compiler, toolchain.args(tmp), { cwd: outDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ""}` } });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`compiling ${toolchain.source} failed:\n${stderr || (error as Error).message}`);
  }
  renameSync(tmp, out);
  writeFileSync(stamp, hash);
  return out;
}
