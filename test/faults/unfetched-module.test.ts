// A WasmFilter's `url` module: until the control plane has it — while it downloads, and for
// good once the download fails (unreachable, an HTTP error, a wrong sha256, bytes that are
// not WebAssembly) — the WasmFilter and the Mappings using it are not accepted, with why, on
// the diagnostics page, and their routes are not served: a proxy would run such a route
// without the filter (Envoy did, for as long as the module was missing). Other routes serve.
import { afterAll, beforeAll, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "../e2e/harness.ts";
import type { ResourceStatus } from "../../controlplane/model/index.ts";

forEachDataPlane("a url module that cannot be fetched", (dataPlane) => {
  let e2e: E2E;
  let upstream: http.Server;
  let modules: http.Server;
  /** Requests for module files wait here until a test answers them. */
  const held: Array<{ url: string; res: http.ServerResponse }> = [];
  const service = () => `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const moduleUrl = (file: string) => `http://127.0.0.1:${(modules.address() as AddressInfo).port}/${file}`;
  const statusOf = async (kind: string, name: string) => {
    const statuses = await (await fetch(`${e2e.admin}/debug/resources`)).json() as ResourceStatus[];
    return statuses.find((s) => s.ref.kind === kind && s.ref.name === name);
  };
  const rejected = async (kind: string, name: string) =>
    (await statusOf(kind, name))?.conditions.some((c) => c.type === "Accepted" && c.status === "False") ?? false;
  const filtered = (name: string, file: string, sha256: string) => `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: ${name} }
spec: { module: { url: "${moduleUrl(file)}", sha256: "${sha256}" }, failurePolicy: FailClosed }
---
${mapping(`${name}-route`, { prefix: `/${name}/`, service: service(), filters: [{ name }] })}`;

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    modules = http.createServer((req, res) => held.push({ url: req.url ?? "", res }));
    await Promise.all([upstream, modules].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
    e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service: service() }) }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    modules?.closeAllConnections();
    await Promise.all([upstream, modules].map((s) => new Promise((r) => s?.close(r))));
  });

  it("while the module downloads its route is not served; once the download fails the filter and the Mapping say why", async () => {
    e2e.write("missing.yaml", filtered("missing", "missing.wasm", "ab".repeat(32)));
    await eventually(async () => held.some((h) => h.url === "/missing.wasm") && (await statusOf("Mapping", "missing-route")) !== undefined, 10_000, 50);
    expect((await statusOf("WasmFilter", "missing"))?.conditions.find((c) => c.type === "ResolvedRefs")).toMatchObject({ status: "False", reason: "ModuleDownloading" });
    expect((await statusOf("Mapping", "missing-route"))?.errors).toEqual([expect.stringMatching(/spec\.filters\[0\]\.name: WasmFilter default\/missing is not usable: .*missing\.wasm: download in progress$/)]);
    // Routed, it would pass unfiltered on Envoy; held back, the path is not found.
    for (let i = 0; i < 5; i++) expect((await fetch(`${e2e.http}/missing/`)).status).toBe(404);
    held.find((h) => h.url === "/missing.wasm")!.res.writeHead(404).end();
    await eventually(async () => (await statusOf("WasmFilter", "missing"))?.conditions.some((c) => c.reason === "InvalidModule") ?? false, 10_000, 50);
    const filter = await statusOf("WasmFilter", "missing");
    expect(filter?.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "False" });
    expect(filter?.errors).toEqual([`WasmFilter default/missing: spec.module.url: ${moduleUrl("missing.wasm")}: download failed: HTTP 404`]);
    expect(await rejected("Mapping", "missing-route")).toBe(true);
    expect((await statusOf("Mapping", "missing-route"))?.errors).toEqual([expect.stringMatching(/^Mapping default\/missing-route: spec\.filters\[0\]\.name: WasmFilter default\/missing is not usable: .*HTTP 404$/)]);
    expect((await fetch(`${e2e.http}/missing/`)).status).toBe(404);
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });

  it("a module with another sha256, or bytes that are not WebAssembly, is the WasmFilter's error", async () => {
    const wasm = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]); // the empty module
    e2e.write("wrong.yaml", `${filtered("wrongsha", "wrong.wasm", "cd".repeat(32))}\n---\n${filtered("notwasm", "text.wasm", "ef".repeat(32))}`);
    await eventually(async () => ["/wrong.wasm", "/text.wasm"].every((u) => held.some((h) => h.url === u)), 10_000, 50);
    held.find((h) => h.url === "/wrong.wasm")!.res.end(wasm);
    held.find((h) => h.url === "/text.wasm")!.res.end("not a module");
    const failed = async (name: string) => (await statusOf("WasmFilter", name))?.conditions.some((c) => c.reason === "InvalidModule") ?? false;
    await eventually(async () => (await failed("wrongsha")) && failed("notwasm"), 10_000, 50);
    expect((await statusOf("WasmFilter", "wrongsha"))?.errors[0]).toMatch(/spec\.module\.url: .*wrong\.wasm: sha256 mismatch: expected (cd){32}, got [0-9a-f]{64}$/);
    expect((await statusOf("WasmFilter", "notwasm"))?.errors[0]).toMatch(/spec\.module\.url: .*text\.wasm: not a valid WebAssembly module/);
    expect(await rejected("Mapping", "wrongsha-route")).toBe(true);
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });
});
