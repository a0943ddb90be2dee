// A WasmFilter whose `url` module cannot be fetched passes the model (the URL and digest are
// well-formed), but its route must never be served without the filter, whatever the failure
// policy: the data plane refuses the update, keeps its previous config, and /ready says why.
import { afterAll, beforeAll, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe } from "vitest";
import { eventually, freePort, mapping, startE2E, type E2E } from "../e2e/harness.ts";

describe("a url module that is never fetched", () => {
  let e2e: E2E;
  let upstream: http.Server;
  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }) });
  });
  afterAll(async () => {
    await e2e?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it("keeps its route out (no fail-open without the filter); /ready names the problem", async () => {
    const nowhere = await freePort();
    const service = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    e2e.write("filtered.yaml", `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: remote }
spec: { module: { url: "http://127.0.0.1:${nowhere}/filter.wasm", sha256: "${"ab".repeat(32)}" }, failurePolicy: FailOpen }
---
${mapping("filtered", { prefix: "/filtered/", service, filters: [{ name: "remote" }] })}`);
    let reason = "";
    await eventually(async () => /could not apply/.test(reason = await (await fetch(`${e2e.admin}/ready`)).text()), 15_000, 100);
    expect(reason, reason).toMatch(/^not ready: data plane does not serve .*could not apply TypedExtensionConfig: .*HTTP 404/);
    expect((await fetch(`${e2e.http}/filtered/`)).status).not.toBe(200);
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });
});
