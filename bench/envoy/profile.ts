// Where a Wasm filter's added time goes, from a Linux perf profile of the Envoy under load:
// the share of samples in V8's generated code (perf's "[JIT]" mapping — the filter's own
// Wasm code, compiled by TurboFan) against the rest (Envoy's C++: the proxy-wasm host, its
// context bookkeeping and the host calls the filter makes; the kernel). Envoy's release
// binary is stripped and V8's perf-map flags cannot be set through Envoy's configuration, so
// the profile splits JIT from non-JIT, not by function.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { locate } from "../../scripts/tools/registry.ts";
import { toolNamed } from "../../scripts/tools/tools.ts";

const run = promisify(execFile);

export const PERF = locate(toolNamed("perf"));

/** Samples Envoy (`pid`) while `during` runs; the share of samples in JIT code (0..1). */
export async function jitShare(pid: number, during: () => Promise<void>): Promise<number> {
  if (!PERF) throw new Error("perf not installed");
  const dir = mkdtempSync(join(tmpdir(), "attache-bench-perf-"));
  const data = join(dir, "perf.data");
  try {
    const recorder = spawn(PERF, ["record", "-F", "1999", "-o", data, "-p", String(pid)], { stdio: "ignore" });
    const exited = new Promise((resolve) => recorder.once("exit", resolve));
    await new Promise((r) => setTimeout(r, 200));
    await during();
    recorder.kill("SIGINT");
    await exited;
    const { stdout } = await run(PERF, ["report", "-i", data, "--no-children", "--sort", "dso", "--stdio"], { maxBuffer: 16 << 20 });
    let jit = 0;
    for (const line of stdout.split("\n")) {
      const m = /^\s+([\d.]+)%\s+\[JIT\]/.exec(line);
      if (m) jit += Number(m[1]) / 100;
    }
    return jit;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
