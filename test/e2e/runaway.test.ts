// A filter that never returns, in the local data plane (`attache dev`): the conformance probe
// (x-case: loop spins for ever in proxy_on_request_headers), served by URL to a WasmFilter on
// one route, while other routes take a steady stream of requests on new connections (spread
// over both worker threads). The stuck request must fail with a 5xx once the callback limit
// has passed, and every other request must be answered. Local data plane only: Envoy has no
// such limit (a looping module stalls an Envoy worker for good).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { CALLBACK_LIMIT_MS } from "../../devproxy/wasm/provider.ts";
import { request } from "../http-client.ts";
import { eventually, startE2E, type E2E } from "./harness.ts";

const PROBE = fileURLToPath(new URL("../../build/test/conformance/modules/conformance-probe.wasm", import.meta.url));

describe("a looping filter in the local data plane", () => {
  let e2e: E2E;
  let echo: EchoServer;
  let modules: Server;

  beforeAll(async () => {
    echo = await startEchoServer("echo");
    const wasm = readFileSync(PROBE);
    modules = createServer((_req, res) => res.end(wasm));
    await new Promise<void>((resolve) => modules.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(modules.address() as AddressInfo).port}/probe.wasm`;
    const upstream = `http://127.0.0.1:${echo.port}`;
    e2e = await startE2E({
      "runaway.yaml": `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: probe }
spec:
  module: { url: "${url}", sha256: "${createHash("sha256").update(wasm).digest("hex")}" }
  failurePolicy: FailClosed
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: filtered }
spec: { prefix: /filtered/, service: "${upstream}", filters: [{ name: probe }] }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: plain }
spec: { prefix: /plain/, service: "${upstream}" }
`,
    });
    // The url module downloads in the background; the filter serves once it is in.
    await eventually(async () => (await request(`${e2e.http}/filtered/x`)).status === 200, 30_000, 50);
  });
  afterAll(async () => {
    await e2e?.close();
    await echo?.close();
    modules?.closeAllConnections();
    await new Promise((resolve) => modules?.close(resolve));
  });

  it("fails the stuck request with a 5xx after the limit and keeps answering every other request", async () => {
    let loading = true;
    const answered: number[] = [];
    // Four clients, each one request at a time on a new connection, until the stuck ones end.
    const load = Array.from({ length: 4 }, async () => {
      while (loading) answered.push((await request(`${e2e.http}/plain/x`)).status);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    // One stuck request per worker thread is likely with two; each blocks at most its own.
    const stuck = await Promise.all([1, 2].map(() => request(`${e2e.http}/filtered/spin`, { headers: { "x-case": "loop" } })));
    const took = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    loading = false;
    await Promise.all(load);

    for (const s of stuck) expect(s.status).toBe(503);
    expect(took).toBeGreaterThanOrEqual(CALLBACK_LIMIT_MS - 50);
    expect(took).toBeLessThan(CALLBACK_LIMIT_MS + 5_000);
    expect(answered.length).toBeGreaterThan(20);
    expect(answered.every((status) => status === 200)).toBe(true);
    expect((await request(`${e2e.http}/plain/after`)).status).toBe(200);
  });
});
