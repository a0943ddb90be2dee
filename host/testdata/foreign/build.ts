// Compiles the proxy-wasm modules written for other toolchains (rust/filter.rs, cpp/filter.cc)
// into build/host/testdata/foreign/, for host/foreign-modules.test.ts. The compilers are
// Debian's (not rustup's: its rustc on PATH has no wasm32 target), installed by .ci/run; a
// missing one is an error naming the packages, never a skipped test. Outputs are reused while
// the source, the flags and the compiler binary are unchanged (a `.stamp` with their hash, as
// the SDK's build tool, filters/sdk/build.mjs, does), so only the first run after a change pays for it (about
// 2.4 s CPU for rustc and 1.6 s for clang++, run in parallel).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "../../../build/host/testdata/foreign");

interface Requirement {
  /** A file the package installs. */
  path: string | (() => boolean);
  debianPackage: string;
}

interface Toolchain {
  name: "rust" | "cpp";
  source: string;
  compiler: string;
  args: (out: string) => string[];
  requires: Requirement[];
}

/** compiler-rt builtins live under the clang version directory (14.0.6 on bookworm). */
function clangBuiltinsInstalled(): boolean {
  const base = "/usr/lib/llvm-14/lib/clang";
  return existsSync(base) && readdirSync(base).some((v) => existsSync(join(base, v, "lib/wasi/libclang_rt.builtins-wasm32.a")));
}

const TOOLCHAINS: Toolchain[] = [
  {
    name: "rust",
    source: join(here, "rust/filter.rs"),
    compiler: "/usr/bin/rustc",
    // A release cdylib as `cargo build --release --target wasm32-wasi` makes it with the usual
    // proxy-wasm profile (one codegen unit, panic=abort, strip=debuginfo: names kept, so traps
    // show Rust function names); opt-level=s costs the least compile time of the release levels.
    args: (out) => ["--edition", "2021", "--crate-type", "cdylib", "--target", "wasm32-wasi", "-C", "opt-level=s",
      "-C", "codegen-units=1", "-C", "panic=abort", "-C", "strip=debuginfo", "-D", "warnings",
      "-o", out, join(here, "rust/filter.rs")],
    requires: [
      { path: "/usr/bin/rustc", debianPackage: "rustc" },
      // std for wasm32-wasi, with its own copy of wasi-libc (lib/self-contained).
      { path: "/usr/lib/rustlib/wasm32-wasi/lib/self-contained/libc.a", debianPackage: "libstd-rust-dev-wasm32" },
      // rustc links with rust-lld, a symlink to lld-14.
      { path: "/usr/bin/lld-14", debianPackage: "lld-14" },
    ],
  },
  {
    name: "cpp",
    source: join(here, "cpp/filter.cc"),
    compiler: "/usr/bin/clang++-14",
    // A WASI reactor (`_initialize` runs static constructors) exporting malloc, as the C++ SDK's
    // Emscripten build does.
    args: (out) => ["--target=wasm32-wasi", "-std=c++17", "-O2", "-fno-exceptions", "-Wall", "-Werror", "-mexec-model=reactor",
      "-Wl,--export=malloc", "-Wl,--strip-debug", "-o", out, join(here, "cpp/filter.cc")],
    requires: [
      { path: "/usr/bin/clang++-14", debianPackage: "clang-14" },
      { path: "/usr/bin/wasm-ld-14", debianPackage: "lld-14" },
      { path: "/usr/lib/wasm32-wasi/libc.a", debianPackage: "wasi-libc" },
      { path: "/usr/lib/wasm32-wasi/libc++.a", debianPackage: "libc++-14-dev-wasm32" },
      { path: "/usr/lib/wasm32-wasi/libc++abi.a", debianPackage: "libc++abi-14-dev-wasm32" },
      { path: clangBuiltinsInstalled, debianPackage: "libclang-rt-14-dev-wasm32" },
    ],
  },
];

/** Every Debian package the foreign-module tests need (.ci/run installs the same list). */
export const FOREIGN_TOOLCHAIN_PACKAGES = [...new Set(TOOLCHAINS.flatMap((t) => t.requires.map((r) => r.debianPackage)))];

export class MissingToolchainError extends Error {
  constructor(readonly packages: string[]) {
    super(
      `the foreign-module tests compile Rust and C++ to wasm32-wasi with Debian's toolchains; missing package(s): ${packages.join(" ")}. ` +
      `Install them: apt-get install -y --no-install-recommends ${FOREIGN_TOOLCHAIN_PACKAGES.join(" ")} (as .ci/run does)`,
    );
    this.name = "MissingToolchainError";
  }
}

function missingPackages(): string[] {
  const missing = TOOLCHAINS.flatMap((t) => t.requires)
    .filter((r) => (typeof r.path === "string" ? !existsSync(r.path) : !r.path()))
    .map((r) => r.debianPackage);
  return [...new Set(missing)];
}

const run = promisify(execFile);

async function compile(toolchain: Toolchain): Promise<string> {
  const out = join(outDir, `${toolchain.name}-filter.wasm`);
  const stamp = `${out}.stamp`;
  const hash = createHash("sha256")
    .update(readFileSync(toolchain.source))
    .update(toolchain.args("OUT").join("\0"))
    .update(`${toolchain.compiler}:${statSync(toolchain.compiler).mtimeMs}`)
    .digest("hex");
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return out;
  mkdirSync(outDir, { recursive: true });
  // A private name, renamed into place: two test runs at once never see a half-written module.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    // rustc finds rust-lld on PATH; Debian's is in /usr/bin.
    await run(toolchain.compiler, toolchain.args(tmp), { cwd: outDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ""}` } });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`compiling ${toolchain.source} failed:\n${stderr || (error as Error).message}`);
  }
  renameSync(tmp, out);
  writeFileSync(stamp, hash);
  return out;
}

/** Paths of the compiled modules, building what changed (both compilers run in parallel). */
export async function buildForeignModules(): Promise<Record<Toolchain["name"], string>> {
  const missing = missingPackages();
  if (missing.length) throw new MissingToolchainError(missing);
  const [rust, cpp] = await Promise.all(TOOLCHAINS.map(compile));
  return { rust: rust!, cpp: cpp! };
}
