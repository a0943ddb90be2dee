// `attache serve` against the API stand-in, for what needs its faults or its request record
// (test/kube-apiserver/server.ts): EDS pushes to a protocol client without a model run, a
// protocol client's NACK in status, no repeated status PATCH, and Emissary CRDs served on
// demand. Every kind's create/update/delete, annotations, status, Events, Lease failover and
// the 410 relist run against the real kube-apiserver in test/cluster.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServeHandle } from "../../controlplane/runner/serve.ts";
import { TYPE_URL } from "../../controlplane/xds/index.ts";
import { emissaryTypes, KubeApiStandIn } from "../kube-apiserver/index.ts";
import { SotwTestClient } from "../xds/protocol-client.ts";
import { endpointSlice, eventually, mapping, service } from "./fixtures.ts";
import { servedHttpVirtualHosts, startReplica } from "./harness.ts";

let api: KubeApiStandIn;
const handles: ServeHandle[] = [];
const clients: SotwTestClient[] = [];
beforeEach(async () => {
  api = await KubeApiStandIn.start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of handles.splice(0)) await h.stop();
  await api.close();
});

const statusOf = (name: string, apiVersion = "attache.dev/v1alpha1", kind = "Mapping") => api.store.get(api.typeOf(apiVersion, kind), "default", name).status;
const condition = (name: string, type: string) => statusOf(name)?.conditions?.find((c: any) => c.type === type);
async function replica(identity = "replica-a") {
  const h = await startReplica(api, identity);
  handles.push(h);
  return h;
}
/** A virtual host of the plain-HTTP listener's routes (either layout). */
const servedVirtualHost = (h: ServeHandle, name: string) => servedHttpVirtualHosts(h).find((v) => v.name === name);
const routesOf = (h: ServeHandle, vhost = "attache/default") => (servedVirtualHost(h, vhost)?.routes ?? []).map((r) => r.name);

describe("attache serve", () => {
  it("pushes EndpointSlice scale 3 -> 0 -> 2 to a connected client as EDS, without re-running the model", async () => {
    api.put(service("api"));
    api.put(endpointSlice("api", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]));
    api.put(mapping("api", { prefix: "/", service: "api" }));
    const h = await replica();
    const client = new SotwTestClient(`127.0.0.1:${h.xdsPort}`, { id: "envoy-1", cluster: "gateway" });
    clients.push(client);
    client.request({ type_url: TYPE_URL.cluster });
    const cds = await client.next();
    client.ack(cds);
    client.request({ type_url: TYPE_URL.clusterLoadAssignment, resource_names: ["default/api:80"] });
    const addresses = (r: any) => (r.resources[0].json.endpoints?.[0]?.lb_endpoints ?? []).map((e: any) => e.endpoint.address.socket_address.address);
    let eds = await client.next();
    expect(addresses(eds)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    client.ack(eds, ["default/api:80"]);
    const statuses = h.current()!.statuses;

    api.put(endpointSlice("api", []));
    eds = await client.next();
    expect(eds.type_url).toBe(TYPE_URL.clusterLoadAssignment);
    expect(addresses(eds)).toEqual([]);
    client.ack(eds, ["default/api:80"]);

    api.put(endpointSlice("api", ["10.0.0.7", "10.0.0.8", "10.0.0.9"], "default", ["10.0.0.9"]));
    eds = await client.next();
    expect(addresses(eds)).toEqual(["10.0.0.7", "10.0.0.8"]);
    client.ack(eds, ["default/api:80"]);
    // Endpoint-only batches went through the fast path: the model's statuses are the same object.
    expect(h.current()!.statuses).toBe(statuses);
    expect((await client.drain(100)).filter((r) => r.type_url === TYPE_URL.cluster)).toEqual([]);

    // The proxy ACKed everything it was sent: the Mapping is Programmed.
    await eventually(() => expect(condition("api", "Programmed")).toMatchObject({ status: "True", reason: "Programmed" }));
  });

  it("shows a proxy's NACK as Programmed=False with Envoy's error, and True again after an ACK", async () => {
    api.put(service("api"));
    api.put(mapping("api", { prefix: "/", service: "api" }));
    const h = await replica();
    const client = new SotwTestClient(`127.0.0.1:${h.xdsPort}`, { id: "envoy-7", cluster: "gateway" });
    clients.push(client);
    client.request({ type_url: TYPE_URL.cluster });
    const cds = await client.next();
    client.request({ type_url: TYPE_URL.cluster, response_nonce: cds.nonce, error_detail: { code: 3, message: "cluster default/api:80: bad thing" } });
    await eventually(() => expect(condition("api", "Programmed")).toMatchObject({ status: "False", reason: "Rejected" }));
    expect(condition("api", "Programmed").message).toContain("cluster default/api:80: bad thing (node envoy-7)");
    expect(condition("api", "Accepted")).toMatchObject({ status: "True" });
    // A new configuration (the Mapping's cluster settings change) that the proxy accepts clears it.
    api.put(mapping("api", { prefix: "/", service: "api", connectTimeout: "1s" }));
    const next = await client.next();
    client.ack(next);
    await eventually(() => expect(condition("api", "Programmed")).toMatchObject({ status: "True", observedGeneration: 2 }));
  });

  it("writes Accepted/ResolvedRefs with the right reasons, a Warning Event, and does not re-patch unchanged status", async () => {
    api.put(mapping("broken", { prefix: "/b/", service: "api", timeout: "3 seconds" }));
    api.put(mapping("dangling", { prefix: "/d/", service: "missing" }));
    const h = await replica();
    await eventually(() => {
      expect(condition("broken", "Accepted")).toMatchObject({ status: "False", reason: "Invalid" });
      expect(condition("broken", "Accepted").message).toContain("spec.timeout");
      expect(condition("dangling", "ResolvedRefs")).toMatchObject({ status: "False" });
      expect(condition("dangling", "ResolvedRefs").message).toContain("Service default/missing not found");
    });
    const events = api.store.list(api.typeOf("v1", "Event"), "default", () => true);
    expect(events.some((e) => e.involvedObject.name === "broken" && e.reason === "Invalid" && e.type === "Warning")).toBe(true);
    await h.writer!.idle();
    const patches = () => api.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/status")).length;
    const before = patches();
    // An unrelated change re-runs the pipeline; nothing about these two changed.
    api.put(service("other"));
    await new Promise((r) => setTimeout(r, 300));
    await h.writer!.idle();
    expect(patches()).toBe(before);
    expect(h.writer!.stats.skipped).toBeGreaterThan(0);
  });

  it("serves Emissary Mappings and reports the unsupported field in their status", async () => {
    for (const t of emissaryTypes) api.serve(t);
    api.put(service("api"));
    api.put({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "legacy", namespace: "default" }, spec: { prefix: "/legacy/", service: "api:80", timeout_ms: 1500, enable_ipv6: true } });
    const h = await replica();
    expect(routesOf(h)).toEqual(["default/legacy"]);
    expect(servedVirtualHost(h, "attache/default")?.routes?.[0]?.route?.timeout).toBe("1.5s");
    await eventually(() =>
      expect(statusOf("legacy", "getambassador.io/v3alpha1")).toEqual({
        state: "Running",
        reason: expect.stringContaining("spec.enable_ipv6: not supported by Attaché; ignored"),
      }),
    );
  });
});
