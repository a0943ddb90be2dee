// A WasmFilter whose `url` module cannot be fetched passes the model (the URL and digest are
// well-formed), but a FailClosed filter's route must never be served without it: it answers
// 503 (the filter's default config until its module arrives), while other routes serve.
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

  it("a FailClosed filter whose module never arrives keeps its route closed (503)", async () => {
    const nowhere = await freePort();
    const service = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    e2e.write("filtered.yaml", `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: remote }
spec: { module: { url: "http://127.0.0.1:${nowhere}/filter.wasm", sha256: "${"ab".repeat(32)}" }, failurePolicy: FailClosed }
---
${mapping("filtered", { prefix: "/filtered/", service, filters: [{ name: "remote" }] })}`);
    await eventually(async () => (await fetch(`${e2e.http}/filtered/`)).status !== 404, 15_000, 100);
    expect((await fetch(`${e2e.http}/filtered/`)).status).toBe(503);
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });
});
