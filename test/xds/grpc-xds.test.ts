// Conformance with an independent xDS client: @grpc/grpc-js-xds resolves `xds:///<authority>`
// through our ADS server (bootstrap from GRPC_XDS_BOOTSTRAP_CONFIG) and calls real gRPC
// backends on loopback. The resources come from translateProxyless() over hand-made IR, so
// this also proves the proxyless output is what a gRPC client accepts and follows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpcXds from "@grpc/grpc-js-xds";
import { translate } from "../../controlplane/translate/index.ts";
import { translateProxyless } from "../../controlplane/translate/proxyless/index.ts";
import { XdsServer } from "../../controlplane/xds/server.ts";
import { TYPE_URL, type AckRecord, type NackRecord } from "../../controlplane/xds/types.ts";
import { echoClient, startEchoBackend, type EchoBackend, type EchoClient } from "./echo.ts";
import { gateway, grpcRoute, host, service } from "./ir.ts";

const NODE_ID = "proxyless-conformance";
let xds: XdsServer;
let xdsPort: number;
const backends: Record<string, EchoBackend> = {};
const clients: EchoClient[] = [];
const state = { split: [80, 20] as [number, number], pool: ["r1", "r2"] };

function buildIr() {
  const port = (name: string) => backends[name].port;
  return gateway(
    [
      host("headers", ["headers.example"], [
        grpcRoute("canary", { prefix: "/attache.test.Echo/", headers: [{ name: "x-canary", exact: "yes" }] }, [["default/v2:50051", 100]]),
        grpcRoute("stable", { prefix: "/attache.test.Echo/" }, [["default/v1:50051", 100]]),
      ]),
      host("split", ["split.example"], [grpcRoute("split", { prefix: "/" }, [["default/v1:50051", state.split[0]], ["default/v2:50051", state.split[1]]])]),
      host("pool", ["pool.example"], [grpcRoute("pool", { prefix: "/" }, [["default/pool:50051", 100]])]),
    ],
    [service("v1", [port("v1")]), service("v2", [port("v2")]), service("pool", state.pool.map(port))],
  );
}

const publish = () => xds.cache.setResourcesNow(translateProxyless(buildIr()));

function client(authority: string): EchoClient {
  const c = echoClient(`xds:///${authority}`);
  clients.push(c);
  return c;
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function share(c: EchoClient, calls: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const backend = await c.say();
    counts[backend] = (counts[backend] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / calls]));
}

beforeAll(async () => {
  for (const name of ["v1", "v2", "r1", "r2"]) backends[name] = await startEchoBackend(name);
  xds = new XdsServer({ debounceMs: 0 });
  xdsPort = await xds.listen("127.0.0.1:0");
  // grpc-js-xds reads the bootstrap once, when the first xds: channel resolves.
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: NODE_ID, cluster: "conformance", locality: { zone: "test" } },
  });
  grpcXds.register();
  publish();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await xds.close();
  for (const b of Object.values(backends)) await b.close();
});

describe("grpc-js-xds against our ADS server", () => {
  it("routes calls by header match", async () => {
    const c = client("headers.example");
    expect(await eventually(() => c.say())).toBe("v1");
    expect(await c.say({ "x-canary": "yes" })).toBe("v2");
    expect(await c.say({ "x-canary": "no" })).toBe("v1");
    const info = xds.clients().find((ci) => ci.id === NODE_ID)!;
    expect(info.protocol).toBe("sotw");
    expect(Object.keys(info.acked).sort()).toEqual([TYPE_URL.cluster, TYPE_URL.clusterLoadAssignment, TYPE_URL.listener, TYPE_URL.routeConfiguration].sort());
  }, 20_000);

  it("follows a weight shift pushed live, with the measured split matching the weights", async () => {
    const c = client("split.example");
    await eventually(() => c.say());
    const before = await share(c, 400);
    expect(before.v1).toBeGreaterThan(0.7);
    expect(before.v1).toBeLessThan(0.9);
    state.split = [20, 80];
    publish();
    await eventually(async () => expect((await share(c, 50)).v2 ?? 0).toBeGreaterThan(0.5));
    const after = await share(c, 400);
    expect(after.v2).toBeGreaterThan(0.7);
    expect(after.v2).toBeLessThan(0.9);
  }, 20_000);

  it("moves calls off a backend removed from the endpoints", async () => {
    const c = client("pool.example");
    await eventually(async () => expect(Object.keys(await share(c, 20)).sort()).toEqual(["r1", "r2"]));
    state.pool = ["r2"];
    publish();
    await backends.r1.close();
    await eventually(async () => expect(await share(c, 20)).toEqual({ r2: 1 }));
  }, 20_000);

  it("records the NACK of a rejected resource while calls keep working on the last good config", async () => {
    const c = client("split.example");
    await eventually(() => c.say());
    const nacks: NackRecord[] = [];
    xds.on("nack", (n: NackRecord) => nacks.push(n));
    const pushesAfterNack: string[] = [];
    const good = xds.clients().find((ci) => ci.id === NODE_ID)!.acked[TYPE_URL.routeConfiguration];

    const broken = translateProxyless(buildIr());
    const rc: any = structuredClone(broken[TYPE_URL.routeConfiguration].get("attache-grpc/split.example"));
    rc.virtual_hosts[0].routes.unshift({ match: { prefix: "/" }, redirect: { host_redirect: "elsewhere.example" } });
    broken[TYPE_URL.routeConfiguration].set("attache-grpc/split.example", rc);
    xds.cache.setResourcesNow(broken);

    await eventually(async () => expect(nacks.length).toBeGreaterThan(0));
    xds.on("push", (p) => pushesAfterNack.push(p.typeUrl));
    const nack = nacks[0];
    expect(nack).toMatchObject({ nodeId: NODE_ID, typeUrl: TYPE_URL.routeConfiguration, keptVersion: good });
    expect(nack.message).toContain("unsupported action");
    expect(xds.nacks().at(-1)).toEqual(nack);
    expect(xds.clients().find((ci) => ci.id === NODE_ID)!.lastNack?.message).toBe(nack.message);

    // The last good config still routes (no redirect route in effect), and nothing is re-sent.
    expect(["v1", "v2"]).toContain(await c.say());
    await new Promise((r) => setTimeout(r, 500));
    expect(pushesAfterNack).toEqual([]);

    // Publishing the good config again is a new version for the client: sent once and ACKed.
    const acks: AckRecord[] = [];
    xds.on("ack", (a: AckRecord) => acks.push(a));
    publish();
    await eventually(async () => expect(acks.some((a) => a.nodeId === NODE_ID && a.typeUrl === TYPE_URL.routeConfiguration && a.version === good)).toBe(true));
    expect(pushesAfterNack.filter((t) => t === TYPE_URL.routeConfiguration).length).toBeGreaterThan(0);
  }, 20_000);

  it("keeps serving through a control-plane restart and follows the new server after reconnecting", async () => {
    const c = client("split.example");
    state.split = [0, 100];
    publish();
    await eventually(async () => expect(await share(c, 20)).toEqual({ v2: 1 }));
    await xds.close();
    expect(["v1", "v2"]).toContain(await c.say()); // cached config keeps working

    xds = new XdsServer({ debounceMs: 0 });
    await xds.listen(`127.0.0.1:${xdsPort}`);
    // Before the restart every call went to v2: calls on v1 mean the new server's config arrived.
    state.split = [100, 0];
    publish();
    await eventually(async () => expect(await share(c, 20)).toEqual({ v1: 1 }), 15_000);
    expect(xds.clients().some((ci) => ci.id === NODE_ID)).toBe(true);
  }, 25_000);

  it("works on the translator's whole output, where Envoy's resources share the snapshot", async () => {
    const c = client("headers.example");
    xds.cache.setResourcesNow(translate(buildIr()));
    await eventually(async () => expect(await c.say({ "x-canary": "yes" })).toBe("v2"));
    expect(await c.say()).toBe("v1");
    expect(xds.nacks()).toEqual([]);
  }, 20_000);
});
