// Incremental (Delta) ADS rules, checked with a protocol-level client over raw gRPC streams.
import { describe, expect, it } from "vitest";
import { TYPE_URL } from "../../controlplane/xds/types.ts";
import { apiListener, baseResources, cluster, resources, routeConfig } from "./fixtures.ts";
import { DeltaTestClient } from "./protocol-client.ts";
import type { NodeJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { serverPerTest } from "./server-per-test.ts";

const { listener: LDS, cluster: CDS, clusterLoadAssignment: EDS, routeConfiguration: RDS } = TYPE_URL;

const xds = serverPerTest((address, node?: NodeJson) => new DeltaTestClient(address, node));
const connect = xds.connect;
const names = (r: { resources: Array<{ name: string }> }) => r.resources.map((x) => x.name).sort();

describe("Delta ADS", () => {
  it("subscribes by name and by wildcard, and sends nothing for an ACK", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    const cds = await c.next();
    expect(names(cds)).toEqual(["a", "b"]);
    expect(cds.resources.every((r) => r.version.length > 0)).toBe(true);
    c.ack(cds);
    c.request({ type_url: EDS, resource_names_subscribe: ["a"] });
    const eds = await c.next();
    expect(names(eds)).toEqual(["a"]);
    c.ack(eds);
    expect(await c.drain(200)).toEqual([]);
  });

  it("answers a wildcard subscription once even when there is nothing of that type", async () => {
    const empty = baseResources();
    empty[CDS].clear();
    empty[EDS].clear();
    xds.server.cache.setResourcesNow(empty);
    const c = connect();
    c.request({ type_url: CDS });
    const cds = await c.next();
    expect(cds.type_url).toBe(CDS);
    expect(cds.resources).toEqual([]);
    expect(cds.removed_resources).toEqual([]);
    c.ack(cds);
    expect(await c.drain(200)).toEqual([]);
    // The first cluster later still arrives as an update.
    xds.server.cache.setResourcesNow(baseResources());
    expect(names(await c.next())).toEqual(["a", "b"]);
  });

  it("stops sending a resource after unsubscribe and forgets it (subscribing again sends it again)", async () => {
    const c = connect();
    c.request({ type_url: RDS, resource_names_subscribe: ["routes-a", "routes-b"] });
    c.ack(await c.next());
    c.request({ type_url: RDS, resource_names_unsubscribe: ["routes-b"] });
    expect(await c.drain(100)).toEqual([]); // also lets the server take the request in
    const next = baseResources();
    next[RDS].set("routes-b", routeConfig("routes-b", "a"));
    xds.server.cache.setResourcesNow(next);
    expect(await c.drain(200)).toEqual([]);
    c.request({ type_url: RDS, resource_names_subscribe: ["routes-b"] });
    const again = await c.next();
    expect(names(again)).toEqual(["routes-b"]);
    expect(again.resources[0].json).toMatchObject({ virtual_hosts: [{ routes: [{ route: { cluster: "a" } }] }] });
  });

  it("announces deletions in removed_resources after every type's updates", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    c.request({ type_url: RDS, resource_names_subscribe: ["routes-b"] });
    c.ack(await c.next());
    const next = baseResources();
    next[CDS].delete("b");
    next[EDS].delete("b");
    next[RDS].set("routes-b", routeConfig("routes-b", "a"));
    xds.server.cache.setResourcesNow(next);
    const seen = (await c.drain(200)).map((r) => `${r.type_url.split(".").pop()} +${names(r).join(",")} -${r.removed_resources.join(",")}`);
    expect(seen).toEqual(["RouteConfiguration +routes-b -", "Cluster + -b"]);
  });

  it("resumes after a reconnect from initial_resource_versions: only what differs, and removals", async () => {
    const first = connect();
    first.request({ type_url: CDS });
    const held = await first.next();
    first.ack(held);
    first.close();
    const versions = Object.fromEntries(held.resources.map((r) => [r.name, r.version]));

    const next = baseResources();
    next[CDS].set("a", cluster("a", "9s"));
    next[CDS].delete("b");
    next[CDS].set("c", cluster("c"));
    xds.server.cache.setResourcesNow(next);

    const c = connect();
    c.request({ type_url: CDS, initial_resource_versions: versions });
    const r = await c.next();
    expect(names(r)).toEqual(["a", "c"]);
    expect(r.removed_resources).toEqual(["b"]);
    c.ack(r);
    expect(await c.drain(150)).toEqual([]);
  });

  it("applies subscription changes that carry a stale nonce", async () => {
    const c = connect();
    c.request({ type_url: RDS, resource_names_subscribe: ["routes-a"] });
    const first = await c.next();
    const next = baseResources();
    next[RDS].set("routes-a", routeConfig("routes-a", "b"));
    xds.server.cache.setResourcesNow(next);
    await c.next();
    c.request({ type_url: RDS, response_nonce: first.nonce, resource_names_subscribe: ["routes-b"] });
    expect(names(await c.next())).toEqual(["routes-b"]);
  });

  it("answers a name it does not have in removed_resources and pushes it once it appears", async () => {
    const c = connect();
    c.request({ type_url: RDS, resource_names_subscribe: ["later"] });
    const missing = await c.next();
    expect(missing.resources).toEqual([]);
    expect(missing.removed_resources).toEqual(["later"]);
    c.ack(missing);
    const next = baseResources();
    next[RDS].set("later", routeConfig("later", "a"));
    xds.server.cache.setResourcesNow(next);
    expect(names(await c.next())).toEqual(["later"]);
  });

  it("records a NACK and does not resend the rejected resource until it changes", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    const bad = baseResources();
    bad[CDS].set("a", cluster("a", "7s"));
    xds.server.cache.setResourcesNow(bad);
    const rejected = await c.next();
    c.request({ type_url: CDS, response_nonce: rejected.nonce, error_detail: { code: 3, message: "a: rejected" } });
    expect(await c.drain(200)).toEqual([]);
    expect(xds.server.clients()[0].lastNack).toMatchObject({ typeUrl: CDS, message: "a: rejected", version: rejected.system_version_info });
    const fixed = baseResources();
    fixed[CDS].set("a", cluster("a", "2s"));
    xds.server.cache.setResourcesNow(fixed);
    expect(names(await c.next())).toEqual(["a"]);
  });

  it("keeps proxyless api_listener Listeners out of wildcard LDS, also when they go away", async () => {
    const next = baseResources();
    next[LDS].set("grpc.example", apiListener("grpc.example", "routes-a"));
    xds.server.cache.setResourcesNow(next);
    const c = connect();
    c.request({ type_url: LDS });
    const first = await c.next();
    expect(names(first)).toEqual(["attache-http"]);
    c.ack(first);
    xds.server.cache.setResourcesNow(baseResources());
    expect(await c.drain(150)).toEqual([]);
    c.request({ type_url: LDS, resource_names_subscribe: ["grpc.example"] });
    expect((await c.next()).removed_resources).toEqual(["grpc.example"]);
  });

  it("serves Secrets (SDS) and TypedExtensionConfigs (ECDS) by name", async () => {
    const next = baseResources();
    next[TYPE_URL.secret].set("default/tls", { name: "default/tls", tls_certificate: { certificate_chain: { inline_string: "CERT" }, private_key: { inline_string: "KEY" } } });
    next[TYPE_URL.typedExtensionConfig].set("attache.wasm/default/auth", { name: "attache.wasm/default/auth", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } });
    xds.server.cache.setResourcesNow(next);
    const c = connect();
    c.request({ type_url: TYPE_URL.secret, resource_names_subscribe: ["default/tls"] });
    const sds = await c.next();
    expect(sds.resources[0].json).toMatchObject({ tls_certificate: { private_key: { inline_string: "KEY" } } });
    c.request({ type_url: TYPE_URL.typedExtensionConfig, resource_names_subscribe: ["attache.wasm/default/auth"] });
    expect(names(await c.next())).toEqual(["attache.wasm/default/auth"]);
  });

  it("delivers everything to many streams through a small send budget", async () => {
    const server = await xds.restart({ sendBudgetBytes: 1024 });
    const many = resources({ clusters: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`c${i}`, [9000 + i]])) });
    server.cache.setResourcesNow(many);
    let maxInFlight = 0;
    let largest = 0;
    server.on("push", (p) => {
      maxInFlight = Math.max(maxInFlight, server.budget.bytesInFlight);
      largest = Math.max(largest, p.bytes);
    });
    const streams = Array.from({ length: 20 }, () => connect());
    for (const c of streams) c.request({ type_url: CDS });
    for (const c of streams) expect(names(await c.next(5000))).toHaveLength(30);
    // Never more than the budget plus the one response that crossed it (20 x ~2 KB queued).
    expect(maxInFlight).toBeLessThan(1024 + largest);
  });

  it("splits a large update over several responses under the size limit", async () => {
    const server = await xds.restart({ maxResponseBytes: 1500 });
    const many = resources({ clusters: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`c${i}`, [9000 + i]])), listeners: { l: "r" } });
    server.cache.setResourcesNow(many);
    const c = connect();
    c.request({ type_url: CDS });
    const parts = await c.drain(300);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.bytes < 1600)).toBe(true);
    expect(parts.flatMap(names).sort()).toEqual([...many[CDS].keys()].sort());
    expect(LDS).toContain("Listener");
  });
});
