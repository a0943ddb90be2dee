// `attache module configmap` as a filter author runs it (in-process, through its command
// entry): a built module becomes a ConfigMap the model accepts for a WasmFilter; anything that
// is not a proxy-wasm module, or too large for a ConfigMap, is refused with the reason.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "./module-configmap.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const built = join(repo, "build", "filters", "template.release.wasm");
const dir = mkdtempSync(join(tmpdir(), "attache-configmap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function attache(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { out: (t) => (stdout += t), err: (t) => (stderr += t), cwd: dir });
  return { code, stdout, stderr };
}

describe("attache module configmap", () => {
  it("prints a ConfigMap carrying the module's exact bytes, and the digest to pin", async () => {
    const { code, stdout, stderr } = await attache(built, "--name", "hello-module", "--namespace", "team-a");
    expect(code).toBe(0);
    const configMap = parse(stdout);
    const bytes = readFileSync(built);
    const digest = createHash("sha256").update(bytes).digest("hex");
    expect(configMap).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "hello-module", namespace: "team-a" } });
    expect(Buffer.from(configMap.binaryData["module.wasm"], "base64").equals(bytes)).toBe(true);
    expect(configMap.metadata.annotations["attache.dev/module-sha256"]).toBe(digest);
    expect(stderr).toContain(`sha256: ${digest}`);
  });

  it("names the ConfigMap after the file when --name is absent", async () => {
    expect(parse((await attache(built)).stdout).metadata.name).toBe("template");
  });

  it.each([
    ["not Wasm", Buffer.from("{}\n"), /not a WebAssembly module/],
    ["Wasm without the proxy-wasm ABI marker", Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), /not a proxy-wasm module/],
    ["over what a ConfigMap can carry", Buffer.alloc(800 * 1024), /over the 786432-byte limit.*module\.url/],
  ])("refuses a file that is %s", async (_case, bytes, message) => {
    const file = join(dir, "module.wasm");
    writeFileSync(file, bytes);
    const { code, stdout, stderr } = await attache(file);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
  });

  it("refuses a missing file and a name Kubernetes would refuse", async () => {
    expect((await attache(join(dir, "absent.wasm"))).stderr).toMatch(/absent\.wasm: no such file/);
    expect((await attache(built, "--name", "Hello_Module")).stderr).toMatch(/--name "Hello_Module" is not a valid ConfigMap name/);
  });
});
