// Test helper: builds and runs test/helm-render (Go text/template + Sprig from Debian's
// packages, the same engine Helm uses) so tests can hold our interpreter to Go's output.
// Returns undefined when `go` or the Sprig sources are not installed (.ci/run installs them).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Path of the built renderer, or undefined when this machine cannot build it. */
export function goHelmRender(): string | undefined {
  const binary = join(repoRoot, "build", "helm-render");
  const source = join(repoRoot, "test", "helm-render", "main.go");
  if (existsSync(binary) && statSync(binary).mtimeMs > statSync(source).mtimeMs) return binary;
  if (spawnSync("go", ["version"]).status !== 0 || !existsSync("/usr/share/gocode/src/github.com/Masterminds/sprig")) return undefined;
  mkdirSync(dirname(binary), { recursive: true });
  execFileSync("go", ["build", "-o", binary, "./test/helm-render"], {
    cwd: repoRoot,
    env: { ...process.env, GO111MODULE: "off", GOPATH: `/usr/share/gocode:${join(tmpdir(), "attache-gopath")}`, GOCACHE: join(tmpdir(), "attache-gocache"), GOFLAGS: "" },
    stdio: "pipe",
  });
  return binary;
}

/** Renders `chartDir` with the Go renderer; returns each document keyed by its source. */
export function renderWithGo(binary: string, chartDir: string, release: string, namespace: string, valuesFile?: string): { source: string; text: string }[] {
  const out = execFileSync(binary, [chartDir, release, namespace, ...(valuesFile ? [valuesFile] : [])], { encoding: "utf8" });
  return out.split(/^---\n# Source: /m).filter(Boolean).map((chunk) => {
    const newline = chunk.indexOf("\n");
    return { source: chunk.slice(0, newline), text: chunk.slice(newline + 1).replace(/\n$/, "") };
  });
}
