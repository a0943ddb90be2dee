// State-of-the-world ADS rules, checked with a protocol-level client over raw gRPC streams.
import { describe, expect, it } from "vitest";
import { ControlPlaneMetrics } from "../../controlplane/admin/metrics.ts";
import { observeXds } from "../../controlplane/xds/metrics.ts";
import { TYPE_URL } from "../../controlplane/xds/types.ts";
import { apiListener, baseResources, cluster, resources, routeConfig } from "./fixtures.ts";
import { SotwTestClient } from "./protocol-client.ts";
import type { NodeJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { serverPerTest } from "./server-per-test.ts";

const { listener: LDS, cluster: CDS, clusterLoadAssignment: EDS, routeConfiguration: RDS } = TYPE_URL;

const xds = serverPerTest((address, node?: NodeJson) => new SotwTestClient(address, node));
const connect = xds.connect;

describe("SotW ADS", () => {
  it("answers a wildcard CDS request with every cluster and sends nothing for the ACK", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    const r = await c.next();
    expect(r.type_url).toBe(CDS);
    expect(r.names.sort()).toEqual(["a", "b"]);
    c.ack(r);
    expect(await c.drain(200)).toEqual([]);
    expect(xds.server.clients()[0]).toMatchObject({ id: "test-sotw", protocol: "sotw", acked: { [CDS]: r.version_info } });
  });

  it("sends the full LDS/CDS state on change (a missing cluster is deleted) but only changed route configurations", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    c.request({ type_url: RDS, resource_names: ["routes-a", "routes-b"] });
    const rds = await c.next();
    expect(rds.names.sort()).toEqual(["routes-a", "routes-b"]);
    c.ack(rds, ["routes-a", "routes-b"]);

    const next = baseResources();
    next[CDS].delete("b");
    next[EDS].delete("b");
    next[CDS].set("c", cluster("c"));
    next[RDS].set("routes-b", routeConfig("routes-b", "c"));
    xds.server.cache.setResourcesNow(next);
    const responses = await c.drain(200);
    const cds = responses.filter((r) => r.type_url === CDS).at(-1)!;
    expect(cds.names.sort()).toEqual(["a", "c"]);
    const rdsChanges = responses.filter((r) => r.type_url === RDS);
    expect(rdsChanges.map((r) => r.names)).toEqual([["routes-b"]]);
    expect(rdsChanges[0].resources[0].json).toMatchObject({ virtual_hosts: [{ routes: [{ route: { cluster: "c" } }] }] });
  });

  it("keeps a deleted cluster until routes moved away, then sends the set without it (make before break)", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    c.request({ type_url: RDS, resource_names: ["routes-b"] });
    c.ack(await c.next(), ["routes-b"]);

    const next = baseResources();
    next[CDS].delete("b");
    next[EDS].delete("b");
    next[RDS].set("routes-b", routeConfig("routes-b", "a"));
    xds.server.cache.setResourcesNow(next);
    const order = (await c.drain(200)).map((r) => `${r.type_url.split(".").pop()}:${r.names.sort().join(",")}`);
    expect(order).toEqual(["Cluster:a,b", "RouteConfiguration:routes-b", "Cluster:a"]);
  });

  it("pushes in make-before-break order: CDS, EDS, LDS, RDS", async () => {
    const c = connect();
    for (const [type, names] of [[LDS, []], [CDS, []], [EDS, ["a", "b"]], [RDS, ["routes-a"]]] as const) {
      c.request({ type_url: type, resource_names: [...names] });
      c.ack(await c.next(), [...names]);
    }
    const next = resources({ clusters: { a: [9101], b: [9002], c: [9003] }, listeners: { "attache-http": "routes-a", extra: "routes-a" }, routes: { "routes-a": "c" } });
    xds.server.cache.setResourcesNow(next);
    const types = (await c.drain(200)).map((r) => r.type_url.split(".").pop());
    expect(types).toEqual(["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"]);
  });

  it("sends the ClusterLoadAssignment again after its Cluster changes, even when it did not", async () => {
    const c = connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    c.request({ type_url: EDS, resource_names: ["a", "b"] });
    c.ack(await c.next(), ["a", "b"]);
    const next = baseResources();
    next[CDS].set("a", cluster("a", "5s"));
    xds.server.cache.setResourcesNow(next);
    const [cds, eds, ...rest] = await c.drain(200);
    expect(cds.type_url).toBe(CDS);
    expect(eds.type_url).toBe(EDS);
    expect(eds.names).toEqual(["a"]);
    expect(rest).toEqual([]);
  });

  it("records a NACK (error_detail) and does not resend the rejected version; a new version goes out", async () => {
    const c = connect({ id: "gw-1", cluster: "edge" });
    const nacks: unknown[] = [];
    xds.server.on("nack", (n) => nacks.push(n));
    c.request({ type_url: CDS });
    const good = await c.next();
    c.ack(good);
    const bad = baseResources();
    bad[CDS].set("a", cluster("a", "7s"));
    xds.server.cache.setResourcesNow(bad);
    const rejected = (await c.drain(150)).find((r) => r.type_url === CDS)!;
    c.request({ type_url: CDS, version_info: good.version_info, response_nonce: rejected.nonce, error_detail: { code: 3, message: "cluster a: bad timeout" } });
    expect(await c.drain(250)).toEqual([]);
    expect(nacks).toHaveLength(1);
    expect(xds.server.nacks()[0]).toMatchObject({ nodeId: "gw-1", cluster: "edge", typeUrl: CDS, version: rejected.version_info, keptVersion: good.version_info, nonce: rejected.nonce, message: "cluster a: bad timeout" });
    expect(xds.server.clients()[0].lastNack).toMatchObject({ typeUrl: CDS, version: rejected.version_info, message: "cluster a: bad timeout" });
    expect(xds.server.clients()[0].acked[CDS]).toBe(good.version_info);

    xds.server.cache.setResourcesNow(baseResources());
    const fixed = (await c.drain(150)).find((r) => r.type_url === CDS)!;
    expect(fixed.version_info).toBe(good.version_info);
  });

  it("ignores a request carrying a stale nonce", async () => {
    const c = connect();
    c.request({ type_url: RDS, resource_names: ["routes-a"] });
    const first = await c.next();
    const next = baseResources();
    next[RDS].set("routes-a", routeConfig("routes-a", "b"));
    xds.server.cache.setResourcesNow(next);
    const second = await c.next();
    c.request({ type_url: RDS, resource_names: ["routes-a", "routes-b"], version_info: first.version_info, response_nonce: first.nonce });
    expect(await c.drain(200)).toEqual([]);
    c.request({ type_url: RDS, resource_names: ["routes-a", "routes-b"], version_info: second.version_info, response_nonce: second.nonce });
    expect((await c.next()).names).toEqual(["routes-b"]);
  });

  it("pushes a named resource once it appears, and answers newly added names even when unchanged", async () => {
    const c = connect();
    c.request({ type_url: RDS, resource_names: ["later"] });
    expect(await c.drain(150)).toEqual([]);
    const next = baseResources();
    next[RDS].set("later", routeConfig("later", "a"));
    xds.server.cache.setResourcesNow(next);
    const pushed = await c.next();
    expect(pushed.names).toEqual(["later"]);
    c.ack(pushed, ["later", "routes-a"]);
    expect((await c.next()).names).toEqual(["routes-a"]);
  });

  it("keeps proxyless api_listener Listeners out of wildcard LDS but sends them by name", async () => {
    const next = baseResources();
    next[LDS].set("grpc.example", apiListener("grpc.example", "routes-a"));
    xds.server.cache.setResourcesNow(next);
    const envoy = connect();
    envoy.request({ type_url: LDS });
    expect((await envoy.next()).names).toEqual(["attache-http"]);
    const grpc = connect({ id: "grpc-client", cluster: "" });
    grpc.request({ type_url: LDS, resource_names: ["grpc.example"] });
    expect((await grpc.next()).names).toEqual(["grpc.example"]);
  });

  it("answers an empty named LDS request with an empty set after names were used (not a wildcard)", async () => {
    const c = connect();
    c.request({ type_url: LDS, resource_names: ["attache-http"] });
    const r = await c.next();
    expect(r.names).toEqual(["attache-http"]);
    c.ack(r, []);
    expect((await c.next()).names).toEqual([]);
  });

  it("splits changed-only responses under the size limit, never a name twice", async () => {
    const server = await xds.restart({ maxResponseBytes: 2000 });
    const many = resources({ clusters: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, [9000 + i, 10000 + i, 11000 + i]])) });
    server.cache.setResourcesNow(many);
    const c = connect();
    const names = [...many[EDS].keys()];
    c.request({ type_url: EDS, resource_names: names });
    const parts = await c.drain(300);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.bytes < 2100)).toBe(true);
    const all = parts.flatMap((p) => p.names);
    expect(all.sort()).toEqual(names.sort());
    expect(new Set(all).size).toBe(all.length);
  });

  it("feeds the admin metrics: connected streams, responses and NACKs by type, ACK latency", async () => {
    const metrics = new ControlPlaneMetrics();
    observeXds(xds.server, metrics);
    const c = connect();
    c.request({ type_url: CDS });
    const r = await c.next();
    c.ack(r);
    await c.drain(100);
    c.request({ type_url: RDS, resource_names: ["routes-a"] });
    const rds = await c.next();
    c.request({ type_url: RDS, resource_names: ["routes-a"], response_nonce: rds.nonce, error_detail: { code: 3, message: "no" } });
    await c.drain(100);
    const text = await metrics.registry.metrics();
    expect(text).toContain("attache_xds_connected_clients 1");
    expect(text).toContain('attache_xds_pushes_total{type="Cluster"} 1');
    expect(text).toContain('attache_xds_nacks_total{type="RouteConfiguration"} 1');
    expect(text).toMatch(/attache_xds_push_latency_seconds_count 1/);
  });

  it("keeps the node from the first request and serves the group its metadata names", async () => {
    xds.server.cache.setResourcesNow(resources({ clusters: { canary: [9009] } }), "canary");
    const c = connect({ id: "gw-2", cluster: "edge", metadata: { "attache.dev/group": "canary" } });
    c.request({ type_url: CDS });
    const r = await c.next();
    expect(r.names).toEqual(["canary"]);
    c.ack(r);
    await c.drain(50);
    expect(xds.server.clients()[0]).toMatchObject({ id: "gw-2", cluster: "edge", group: "canary" });
  });
});
