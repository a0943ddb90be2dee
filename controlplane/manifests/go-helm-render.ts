// Test helper: builds and runs test/helm-render (Go text/template + Sprig from Debian's
// packages, the same engine Helm uses) so tests can hold our interpreter to Go's output.
// Go and the Sprig sources are the `go-sprig` tool (scripts/tools/tools.ts); suites using
// this helper declare it with describeWithTools.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toolPath } from "../../scripts/tools/tools.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Path of the built renderer, built first when its source is newer. */
export function goHelmRender(): string {
  const binary = join(repoRoot, "build", "helm-render");
  const source = join(repoRoot, "test", "helm-render", "main.go");
  if (existsSync(binary) && statSync(binary).mtimeMs > statSync(source).mtimeMs) return binary;
  const go = toolPath("go-sprig");
  mkdirSync(dirname(binary), { recursive: true });
  execFileSync(go, ["build", "-o", binary, "./test/helm-render"], {
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
