// /metrics of a running dev stack (test/e2e/harness.ts: a watched directory, the whole
// pipeline, the xDS server and the local data plane): the body is valid Prometheus text, and
// the numbers an operator alerts on move when they should: a config file change counts a
// batch and a translation, resource counts follow what is valid, a NACK counts per type.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TYPE_URL } from "../xds/index.ts";
import { eventually, mapping, startE2E, type E2E } from "../../test/e2e/harness.ts";
import { DeltaTestClient } from "../../test/xds/protocol-client.ts";
import { parseExposition, type Exposition } from "../../test/prometheus-text.ts";

let e2e: E2E;
const proxies: DeltaTestClient[] = [];
beforeAll(async () => {
  e2e = await startE2E({ "echo.yaml": mapping("echo", { prefix: "/echo/", service: "http://127.0.0.1:9001" }) });
});
afterAll(async () => {
  for (const p of proxies) p.close();
  await e2e?.close();
});

async function scrape(): Promise<Exposition> {
  const res = await fetch(`${e2e.admin}/metrics`);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

describe("/metrics on a running stack", () => {
  it("is valid Prometheus text with the control plane's families typed", async () => {
    const m = await scrape();
    expect(m.types.get("attache_translation_duration_seconds")).toBe("histogram");
    expect(m.types.get("attache_config_batches_total")).toBe("counter");
    expect(m.types.get("attache_xds_nacks_total")).toBe("counter");
    expect(m.types.get("attache_xds_push_latency_seconds")).toBe("histogram");
    expect(m.value("attache_config_batches_total")).toBeGreaterThanOrEqual(1);
    expect(m.value("attache_resources", { kind: "Mapping", accepted: "True" })).toBe(1);
    // The data plane connected and ACKed the first push.
    expect(m.value("attache_xds_connected_clients")).toBe(1);
    expect(m.value("attache_xds_push_latency_seconds_count")).toBeGreaterThan(0);
  });

  it("counts a batch and a translation when a config file changes, and follows resource validity", async () => {
    const before = await scrape();
    e2e.write("more.yaml", mapping("orders", { prefix: "/orders/", service: "http://127.0.0.1:9001" }) + "---\n" + mapping("broken", { prefix: "/x/", service: "http://127.0.0.1:9001", timeout: "3 seconds" }));
    let after = before;
    await eventually(async () => (after = await scrape()).value("attache_config_batches_total") > before.value("attache_config_batches_total"));
    expect(after.value("attache_translation_duration_seconds_count")).toBe(before.value("attache_translation_duration_seconds_count") + (after.value("attache_config_batches_total") - before.value("attache_config_batches_total")));
    expect(after.value("attache_translation_duration_seconds_sum")).toBeGreaterThan(before.value("attache_translation_duration_seconds_sum"));
    expect(after.value("attache_resources", { kind: "Mapping", accepted: "True" })).toBe(2);
    expect(after.value("attache_resources", { kind: "Mapping", accepted: "False" })).toBe(1);
  });

  it("counts a NACK under its resource type, and the extra proxy as connected", async () => {
    const before = await scrape();
    const proxy = new DeltaTestClient(`127.0.0.1:${e2e.stack.ports.xds}`, { id: "nacking-proxy", cluster: "edge" });
    proxies.push(proxy);
    proxy.request({ type_url: TYPE_URL.cluster });
    const response = await proxy.next();
    proxy.request({ type_url: TYPE_URL.cluster, response_nonce: response.nonce, error_detail: { code: 3, message: "rejected for the test" } });
    let after = before;
    await eventually(async () => (after = await scrape()).value("attache_xds_nacks_total", { type: "Cluster" }) > 0);
    expect(after.value("attache_xds_nacks_total", { type: "Cluster" })).toBe(before.value("attache_xds_nacks_total", { type: "Cluster" }) + 1);
    expect(after.value("attache_xds_nacks_total", { type: "Listener" })).toBe(0);
    expect(after.value("attache_xds_connected_clients")).toBe(2);
  });
});
