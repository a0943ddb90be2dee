// The plain-HTTP listener's routes split per Host in real Envoy (scoped routes,
// controlplane/translate/scopedroutes.ts): Envoy routes each request with its Host's own
// RouteConfiguration, a Host header with a port finds the same scope, an unknown Host gets
// 404, an edit to one Host's Mapping re-sends only that Host's RouteConfiguration, and a
// wildcard Host (no exact scope key possible) brings back the single RouteConfiguration
// without losing a route.
import { afterAll, beforeAll, expect, it } from "vitest";
import { request } from "node:http";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { TYPE } from "../../controlplane/translate/index.ts";
import { describeWithTools } from "../tools.ts";
import { startEnvoyStack, type EnvoyStack } from "./stack.ts";

const host = (name: string, hostname: string) => `apiVersion: attache.dev/v1alpha1
kind: Host
metadata: { name: ${name}, namespace: default }
spec: { hostname: "${hostname}" }
---
`;
/** A redirect Mapping answers without an upstream, and says which Mapping answered. */
const mapping = (name: string, hostname: string, prefix: string) => `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: ${name}, namespace: default }
spec: { hostname: "${hostname}", prefix: ${prefix}, redirect: { hostname: "${name}.example.net" } }
---
`;

/** Envoy's first CDS response must carry a cluster before it asks for listeners. */
const withCluster = `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: upstream, namespace: default }
spec: { hostname: "a.example.com", prefix: /upstream/, service: "http://127.0.0.1:9" }
---
`;

function bundle(extra = "", bPrefix = "/b/") {
  const yaml = host("a", "a.example.com") + host("b", "b.example.com") + withCluster +
    mapping("ma", "a.example.com", "/a/") + mapping("mb", "b.example.com", bPrefix) + extra;
  return { ...bundleFromYaml(yaml, "scoped-routes.yaml"), revision: 1 };
}

describeWithTools(["envoy"], "scoped routes on the plain-HTTP listener in Envoy", () => {
  let stack: EnvoyStack;
  beforeAll(async () => { stack = await startEnvoyStack(); }, 60_000);
  afterAll(async () => { await stack?.close(); });

  /** Status and Location of GET path with this Host header (the listener may still be warming). */
  const get = async (hostHeader: string, path: string) => {
    for (let tries = 0; ; tries++) {
      try {
        return await getOnce(hostHeader, path);
      } catch (err) {
        if (tries >= 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const getOnce = (hostHeader: string, path: string) => new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: stack.ports.http, path, headers: { host: hostHeader }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });

  it("routes each Host with its own RouteConfiguration, by the Host header with or without a port", async () => {
    const result = await stack.apply(bundle());
    expect(result.statuses.flatMap((st) => st.errors)).toEqual([]);
    expect([...result.resources[TYPE.scopedRouteConfiguration]!.keys()]).toEqual(["attache-http/a.example.com", "attache-http/b.example.com"]);
    expect(stack.nacks).toEqual([]);
    expect(await get("a.example.com", "/a/x")).toMatchObject({ status: 301, location: "http://ma.example.net/a/x" });
    expect(await get("a.example.com:8080", "/a/x")).toMatchObject({ status: 301, location: "http://ma.example.net/a/x" });
    // Envoy builds the scope key from the header as sent, without lowering its case (virtual
    // host `domains` ignore case; scope keys do not): the scoped layout's known difference.
    expect((await get("A.Example.COM", "/a/x")).status).toBe(404);
    expect(await get("b.example.com", "/b/x")).toMatchObject({ status: 301, location: "http://mb.example.net/b/x" });
    // Each Host's routes are its own: b's prefix is not routed under a's scope.
    expect((await get("a.example.com", "/b/x")).status).toBe(404);
    expect((await get("c.example.com", "/a/x")).status).toBe(404);
  }, 60_000);

  it("re-sends only the edited Host's RouteConfiguration", async () => {
    const sent: Array<{ type: string; bytes: number }> = [];
    const onPush = (p: { typeUrl: string; bytes: number }) => sent.push({ type: p.typeUrl, bytes: p.bytes });
    stack.xds.on("push", onPush);
    await stack.apply(bundle("", "/b2/"));
    stack.xds.off("push", onPush);
    expect(sent.map((s) => s.type)).toEqual([TYPE.routeConfiguration]);
    expect(await get("b.example.com", "/b2/x")).toMatchObject({ status: 301, location: "http://mb.example.net/b2/x" });
    expect((await get("b.example.com", "/b/x")).status).toBe(404);
    expect(await get("a.example.com", "/a/x")).toMatchObject({ status: 301 });
  }, 60_000);

  it("serves every route from one RouteConfiguration once a wildcard Host exists, and no scopes are left", async () => {
    const wild = host("w", "*.wild.example.com") + mapping("mw", "*.wild.example.com", "/w/");
    const result = await stack.apply(bundle(wild));
    expect(stack.nacks).toEqual([]);
    expect([...result.resources[TYPE.routeConfiguration]!.keys()]).toEqual(["attache-http"]);
    expect(result.resources[TYPE.scopedRouteConfiguration]!.size).toBe(0);
    expect(await get("x.wild.example.com", "/w/x")).toMatchObject({ status: 301, location: "http://mw.example.net/w/x" });
    expect(await get("a.example.com", "/a/x")).toMatchObject({ status: 301, location: "http://ma.example.net/a/x" });
    expect((await get("a.example.com", "/b/x")).status).toBe(404);
  }, 60_000);
});
