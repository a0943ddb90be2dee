// `attache serve` end to end against the API stand-in: Kubernetes objects created, changed
// and deleted through @kubernetes/client-node show up in the xDS snapshot, endpoints reach a
// connected ADS client as EDS, status is written back by the leader only.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServeHandle } from "../../controlplane/cli/serve.ts";
import { TYPE_URL } from "../../controlplane/xds/index.ts";
import { emissaryTypes, KubeApiStandIn } from "../kube-apiserver/index.ts";
import { SotwTestClient } from "../xds/protocol-client.ts";
import { endpointSlice, eventually, mapping, service, tlsSecret } from "./fixtures.ts";
import { servedJson, servedNames, startReplica } from "./harness.ts";

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

const group = { group: "attache.dev", version: "v1alpha1", namespace: "default" };
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const statusOf = (name: string, apiVersion = "attache.dev/v1alpha1", kind = "Mapping") => api.store.get(api.typeOf(apiVersion, kind), "default", name).status;
const condition = (name: string, type: string) => statusOf(name)?.conditions?.find((c: any) => c.type === type);
async function replica(identity = "replica-a") {
  const h = await startReplica(api, identity);
  handles.push(h);
  return h;
}
/** A virtual host of the plain-HTTP RouteConfiguration (inline, plain RDS). */
const servedVirtualHost = (h: ServeHandle, name: string) => servedJson(h, "routeConfiguration", "attache-http")?.virtual_hosts?.find((v: any) => v.name === name);
const servedVirtualHostNames = (h: ServeHandle): string[] => (servedJson(h, "routeConfiguration", "attache-http")?.virtual_hosts ?? []).map((v: any) => v.name);
const routesOf = (h: ServeHandle, vhost = "attache/default") => (servedVirtualHost(h, vhost)?.routes ?? []).map((r: any) => r.name);

describe("attache serve", () => {
  it("reflects create, update and delete of every kind in the xDS snapshot", async () => {
    api.put(service("api"));
    api.put(endpointSlice("api", ["10.0.0.1"]));
    const h = await replica();
    const kc = api.kubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);

    await custom.createNamespacedCustomObject({ ...group, plural: "mappings", body: mapping("api", { prefix: "/api/", service: "api" }) });
    await eventually(() => expect(routesOf(h)).toEqual(["default/api"]));
    expect(servedNames(h, "cluster")).toContain("default/api:80");

    await custom.patchNamespacedCustomObject({ ...group, plural: "mappings", name: "api", body: { spec: { prefix: "/v2/" } } }, merge);
    await eventually(() => expect(servedVirtualHost(h, "attache/default").routes[0].match).toMatchObject({ prefix: "/v2/" }));

    // A Host with a TLS Secret: its virtual host, the Secret over SDS and the HTTPS listener.
    await core.createNamespacedSecret({ namespace: "default", body: tlsSecret("shop-cert") });
    await custom.createNamespacedCustomObject({ ...group, plural: "hosts", body: { apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: "shop" }, spec: { hostname: "shop.example.com", tlsSecret: { name: "shop-cert" } } } });
    await eventually(() => expect(servedNames(h, "secret")).toEqual(["default/shop-cert"]));
    expect(servedVirtualHostNames(h)).toContain("default/shop");
    expect(servedNames(h, "listener")).toEqual(["attache-http", "attache-https"]);

    // A WasmFilter from a ConfigMap, enabled on the Mapping: an ECDS resource of its name.
    const module = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "modules" }, binaryData: { "check.wasm": module.toString("base64") } } });
    await custom.createNamespacedCustomObject({ ...group, plural: "wasmfilters", body: { apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name: "check" }, spec: { module: { configMap: { name: "modules", key: "check.wasm" } } } } });
    await custom.patchNamespacedCustomObject({ ...group, plural: "mappings", name: "api", body: { spec: { filters: [{ name: "check" }] } } }, merge);
    await eventually(() => expect(servedNames(h, "typedExtensionConfig")).toContain("attache.wasm/default/check"));

    // An AuthService: the auth filter's configuration and the auth service's cluster.
    api.put(service("auth", "default", 3000));
    await custom.createNamespacedCustomObject({ ...group, plural: "authservices", body: { apiVersion: "attache.dev/v1alpha1", kind: "AuthService", metadata: { name: "auth" }, spec: { service: "auth:3000" } } });
    await eventually(() => expect(servedNames(h, "cluster")).toContain("default/auth:3000"));

    // Deleting everything again removes it from the snapshot.
    await custom.deleteNamespacedCustomObject({ ...group, plural: "authservices", name: "auth" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "hosts", name: "shop" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "wasmfilters", name: "check" });
    await eventually(() => {
      expect(servedNames(h, "secret")).toEqual([]);
      expect(servedNames(h, "listener")).toEqual(["attache-http"]);
      expect(servedNames(h, "cluster")).not.toContain("default/auth:3000");
      expect(servedNames(h, "typedExtensionConfig")).not.toContain("attache.wasm/default/check");
    });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "mappings", name: "api" });
    await eventually(() => expect(servedNames(h, "cluster")).not.toContain("default/api:80"));
    await core.deleteNamespacedService({ namespace: "default", name: "api" });
  });

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

  it("fails over status writing between two replicas through the Lease", async () => {
    api.put(mapping("api", { prefix: "/", service: "api" }));
    const a = await replica("replica-a");
    await eventually(() => expect(a.elector!.isLeader).toBe(true));
    const b = await replica("replica-b");
    await eventually(() => expect(condition("api", "Accepted")).toMatchObject({ status: "True" }));
    expect(b.elector!.isLeader).toBe(false);
    // Both serve xDS.
    expect(servedNames(b, "cluster")).toEqual(servedNames(a, "cluster"));

    // replica-a dies without releasing the Lease: replica-b takes over and writes status.
    await a.elector!.stop({ release: false });
    a.writer!.setLeader(false);
    await eventually(() => expect(b.elector!.isLeader).toBe(true), 5000);
    api.put(mapping("api", { prefix: "/", service: "api", timeout: "bad" }));
    await eventually(() => expect(condition("api", "Accepted")).toMatchObject({ status: "False", observedGeneration: 2 }));
    expect(api.store.get(api.typeOf("coordination.k8s.io/v1", "Lease"), "attache", "attache-status").spec.holderIdentity).toBe("replica-b");
  });

  it("routes Mappings from a Service's attache.dev/config annotation", async () => {
    const config = "apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata: {name: self-service}\nspec: {prefix: /self/, service: api}\n";
    api.put(service("api", "default", 80, { annotations: { "attache.dev/config": config } }));
    const h = await replica();
    expect(routesOf(h)).toEqual(["default/self-service"]);
  });

  it("serves Emissary Mappings and reports the unsupported field in their status", async () => {
    for (const t of emissaryTypes) api.serve(t);
    api.put(service("api"));
    api.put({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "legacy", namespace: "default" }, spec: { prefix: "/legacy/", service: "api:80", timeout_ms: 1500, auto_host_rewrite: true } });
    const h = await replica();
    expect(routesOf(h)).toEqual(["default/legacy"]);
    expect(servedVirtualHost(h, "attache/default").routes[0].route.timeout).toBe("1.5s");
    await eventually(() =>
      expect(statusOf("legacy", "getambassador.io/v3alpha1")).toEqual({
        state: "Running",
        reason: expect.stringContaining("spec.auto_host_rewrite: not supported by Attaché; ignored"),
      }),
    );
  });
});
