// Building project tools from Go modules (etcd, Helm, kube-apiserver, kubectl) with the
// machine's `go`. Builds use Go's default module and build caches (GOMODCACHE, GOCACHE), so
// a second checkout on the same machine, or a reinstall, pays only for linking. Every build
// uses the same flags (-trimpath, the environment's CGO_ENABLED), so the libraries the tools
// share (Kubernetes' client and API machinery, etcd's client) are compiled once.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { run } from "./run.ts";

const execFileAsync = promisify(execFile);

/** Go 1.21 is the first `go` that fetches the newer toolchain a go.mod asks for (`GOTOOLCHAIN=auto`). */
const MIN_GO_MINOR = 21;

/** Fails with a clear message unless a usable `go` is on PATH. */
export async function requireGo(): Promise<void> {
  let version: string;
  try {
    version = (await execFileAsync("go", ["env", "GOVERSION"])).stdout.trim();
  } catch {
    throw new Error("`go` is not on PATH: install Go 1.21 or newer (go.dev/dl); it fetches the toolchain each module needs from the Go module proxy");
  }
  const minor = Number(/^go1\.(\d+)/.exec(version)?.[1] ?? 0);
  if (minor < MIN_GO_MINOR) throw new Error(`${version} is too old: install Go 1.${MIN_GO_MINOR} or newer (Debian bookworm's golang-go is 1.19)`);
}

/** `-X` flags setting string variables at link time (version strings the sources leave empty). */
export function linkerVariables(variables: Record<string, string>): string {
  return ["-s", "-w", ...Object.entries(variables).map(([name, value]) => `-X ${name}=${value}`)].join(" ");
}

/** `go install module/cmd@version` into `dir` (modules without replace directives). */
export async function goInstall(dir: string, pkg: string, version: string, options: { ldflags?: string } = {}): Promise<void> {
  await requireGo();
  const args = ["install", "-trimpath"];
  if (options.ldflags) args.push("-ldflags", options.ldflags);
  args.push(`${pkg}@${version}`);
  await run("go", args, { env: { ...process.env, GOBIN: dir, GOFLAGS: "-buildvcs=false" } });
}

export interface WrapperModule {
  /** The wrapper's own module path (never published). */
  module: string;
  /** go.mod lines after the module and go directives (require, replace, tool). */
  goMod: string;
  /** Extra files, e.g. main.go for a wrapper main. */
  files?: Record<string, string>;
  /** The package to build, e.g. "k8s.io/kubernetes/cmd/kube-apiserver" or "." */
  pkg: string;
  output: string;
  ldflags?: string;
}

/**
 * Writes a wrapper module into `<dir>/src`, resolves its requirements (`go mod tidy`, which
 * writes go.sum from the module proxy's checksums, verified against sum.golang.org) and builds
 * `pkg` to `<dir>/<output>`.
 */
export async function buildWrapper(dir: string, wrapper: WrapperModule): Promise<void> {
  await requireGo();
  const src = join(dir, "src");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "go.mod"), `module ${wrapper.module}\n\ngo 1.26.0\n\n${wrapper.goMod}\n`);
  for (const [name, text] of Object.entries(wrapper.files ?? {})) writeFileSync(join(src, name), text);
  const env = { ...process.env, GOFLAGS: "-buildvcs=false" };
  await run("go", ["mod", "tidy"], { cwd: src, env });
  const args = ["build", "-trimpath", "-o", join(dir, wrapper.output)];
  if (wrapper.ldflags) args.push("-ldflags", wrapper.ldflags);
  await run("go", [...args, wrapper.pkg], { cwd: src, env });
}

/** Downloads `module@version` into the module cache and returns its go.mod text. */
export async function moduleGoMod(module: string, version: string): Promise<string> {
  await requireGo();
  const { stdout } = await execFileAsync("go", ["mod", "download", "-json", `${module}@${version}`], { maxBuffer: 1 << 20 });
  const info = JSON.parse(stdout) as { GoMod?: string; Error?: string };
  if (info.Error || !info.GoMod) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no go.mod"}`);
  return readFileSync(info.GoMod, "utf8");
}

/** Runs the built binary and returns its stdout, for install-time verification. */
export async function output(binary: string, args: string[]): Promise<string> {
  try {
    return (await execFileAsync(binary, args, { timeout: 30_000 })).stdout;
  } catch (error) {
    throw new Error(`${binary} ${args.join(" ")} failed: ${(error as Error).message}`);
  }
}
