// A WasmFilter and a Mapping that enables it, added in one change, must never be served
// without the filter. Envoy shares one route table between a listener and the updated
// listener still warming for the new filter's config, so the route has to wait until the
// proxies run the filter (runner/filters-first.ts); without that, Envoy answered 200 without
// credentials for 15-175 ms after each such change. Both data planes; the route is polled as
// fast as it answers from the moment the file is written.
import { afterAll, beforeAll, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forEachDataPlane, mapping, startE2E, type E2E } from "../e2e/harness.ts";

const TRIALS = 4;

forEachDataPlane("a new filter and the route that enables it", (dataPlane) => {
  let e2e: E2E;
  let upstream: http.Server;
  let service: string;
  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    service = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service }) }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it("the route is never served without the filter (no 200 without credentials)", async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      e2e.write(`auth${trial}.yaml`, `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: keys${trial} }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: k, sha256: "${"ab".repeat(32)}" }] } }
---
${mapping(`r${trial}`, { prefix: `/r${trial}/`, service, filters: [{ name: `keys${trial}` }] })}`);
      const statuses = new Set<number>();
      const started = performance.now();
      while (!statuses.has(401) && performance.now() - started < 10_000) {
        try {
          statuses.add((await fetch(`${e2e.http}/r${trial}/`)).status);
        } catch {
          statuses.add(0); // a listener being replaced closed the connection
        }
      }
      expect([...statuses].filter((s) => s !== 404 && s !== 0 && s !== 503)).toEqual([401]);
    }
  });
});
