// The local data plane's Delta ADS client (devproxy/xds/delta-client.ts) against our server:
// wildcard LDS/CDS/VHDS, named EDS, updates and removals flow through; a rejected update is
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
  it("receives virtual hosts, updates and removals, and its NACKs are recorded", async () => {
    server = new XdsServer({ debounceMs: 0 });
    const port = await server.listen();
    const spec = { clusters: { a: [1] }, listeners: { "attache-http": "attache-http" }, vhosts: { "attache-http/default/one": "a", "attache-http/default/two": "a" } };
    server.cache.setResourcesNow(resources(spec));
    const updates: DeltaUpdate[] = [];
    let reject = false;
    client = new DeltaAdsClient({
      address: `127.0.0.1:${port}`,
      node: { id: "devproxy-1", cluster: "attache" },
      onUpdate: (u) => {
        if (reject && u.typeUrl === TYPE_URL.virtualHost) throw new Error("vhost rejected by test");
        updates.push(u);
      },
    });
    for (const t of [TYPE_URL.listener, TYPE_URL.cluster, TYPE_URL.virtualHost]) client.subscribe(t, "*");
    client.subscribe(TYPE_URL.clusterLoadAssignment, ["a"]);
    client.start();
    await until(() => updates.some((u) => u.typeUrl === TYPE_URL.virtualHost && u.updated.size === 2));
    await until(() => updates.some((u) => u.typeUrl === TYPE_URL.clusterLoadAssignment));

    const next = resources({ ...spec, vhosts: { "attache-http/default/one": "a" } });
    server.cache.setResourcesNow(next);
    await until(() => updates.some((u) => u.removed.includes("attache-http/default/two")));

    reject = true;
    server.cache.setResourcesNow(resources({ ...spec, vhosts: { "attache-http/default/one": "a", "attache-http/default/three": "a" } }));
    await until(() => server.nacks().length > 0);
    expect(server.nacks()[0]).toMatchObject({ nodeId: "devproxy-1", typeUrl: TYPE_URL.virtualHost, message: "vhost rejected by test" });
    expect(server.clients()[0]).toMatchObject({ id: "devproxy-1", protocol: "delta" });
  });
});
