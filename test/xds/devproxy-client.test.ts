// The local data plane's Delta ADS client (devproxy/xds/delta-client.ts) against our server:
// wildcard LDS/CDS, named RDS and EDS, updates and removals flow through; a rejected update is
// NACKed and recorded.
import { afterEach, describe, expect, it } from "vitest";
import { DeltaAdsClient, type DeltaUpdate } from "../../devproxy/xds/delta-client.ts";
import { XdsServer } from "../../controlplane/xds/server.ts";
import { TYPE_URL } from "../../controlplane/xds/types.ts";
import { resources } from "./fixtures.ts";

let server: XdsServer;
let client: DeltaAdsClient;

afterEach(async () => {
  client?.close();
  await server?.close();
});

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("devproxy Delta client against the ADS server", () => {
  it("receives route configurations, updates and removals, and its NACKs are recorded", async () => {
    server = new XdsServer({ debounceMs: 0 });
    const port = await server.listen();
    const spec = { clusters: { a: [1] }, listeners: { "attache-http": "attache-http" }, routes: { one: "a", two: "a" } };
    server.cache.setResourcesNow(resources(spec));
    const updates: DeltaUpdate[] = [];
    let reject = false;
    client = new DeltaAdsClient({
      address: `127.0.0.1:${port}`,
      node: { id: "devproxy-1", cluster: "attache" },
      onUpdate: (u) => {
        if (reject && u.typeUrl === TYPE_URL.routeConfiguration) throw new Error("routes rejected by test");
        updates.push(u);
      },
    });
    for (const t of [TYPE_URL.listener, TYPE_URL.cluster]) client.subscribe(t, "*");
    client.subscribe(TYPE_URL.routeConfiguration, ["one", "two", "three"]);
    client.subscribe(TYPE_URL.clusterLoadAssignment, ["a"]);
    client.start();
    await until(() => updates.some((u) => u.typeUrl === TYPE_URL.routeConfiguration && u.updated.size === 2));
    await until(() => updates.some((u) => u.typeUrl === TYPE_URL.clusterLoadAssignment));

    const next = resources({ ...spec, routes: { one: "a" } });
    server.cache.setResourcesNow(next);
    await until(() => updates.some((u) => u.removed.includes("two")));

    reject = true;
    server.cache.setResourcesNow(resources({ ...spec, routes: { one: "a", three: "a" } }));
    await until(() => server.nacks().length > 0);
    expect(server.nacks()[0]).toMatchObject({ nodeId: "devproxy-1", typeUrl: TYPE_URL.routeConfiguration, message: "routes rejected by test" });
    expect(server.clients()[0]).toMatchObject({ id: "devproxy-1", protocol: "delta" });
  });
});
