// Routes per Host on the plain-HTTP listener, on both data planes: with only exact Host names
// the control plane serves scoped routes (one RouteConfiguration per Host, chosen by the
// host of the Host header: controlplane/translate/scopedroutes.ts); a wildcard Host brings
// back the single RouteConfiguration. Either way each request reaches its own Host's route.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { TYPE_URL } from "../../protos/type-urls.ts";
import { request } from "../http-client.ts";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "./harness.ts";

const host = (name: string, hostname: string) => `apiVersion: attache.dev/v1alpha1
kind: Host
metadata: { name: ${name}, namespace: default }
spec: { hostname: "${hostname}" }
`;

forEachDataPlane("routes per Host on plain HTTP (scoped routes)", (dataPlane) => {
  let e2e: E2E;
  let a: EchoServer;
  let b: EchoServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEchoServer("a"), startEchoServer("b")]);
    e2e = await startE2E({
      "hosts.yaml": [host("a", "a.example.com"), host("b", "b.example.com")].join("---\n"),
      "a.yaml": mapping("ma", { hostname: "a.example.com", prefix: "/app/", service: `http://127.0.0.1:${a.port}` }),
      "b.yaml": mapping("mb", { hostname: "b.example.com", prefix: "/app/", service: `http://127.0.0.1:${b.port}` }),
    }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await a?.close();
    await b?.close();
  });

  /** Which upstream answered (the echo server's name), or the status when none did. */
  const reached = async (hostHeader: string, path = "/app/x"): Promise<string> => {
    const res = await request(`${e2e.http}${path}`, { headers: { host: hostHeader } });
    return res.status === 200 ? String(res.json().server) : String(res.status);
  };
  const scopes = () => [...(e2e.stack.xds.cache.snapshot()?.types.get(TYPE_URL.scopedRouteConfiguration)?.resources.keys() ?? [])].sort();

  it("sends each Host's requests to its own route, with or without a port in the Host header; an unknown Host gets 404", async () => {
    await eventually(async () => (await reached("a.example.com").catch(() => "")) === "a");
    expect(scopes()).toEqual(["attache-http/a.example.com", "attache-http/b.example.com"]);
    expect(await reached("b.example.com")).toBe("b");
    expect(await reached("a.example.com:8080")).toBe("a");
    // Scope keys compare the Host header's case exactly, in Envoy as here.
    expect(await reached("A.Example.COM")).toBe("404");
    expect(await reached("c.example.com")).toBe("404");
  });

  it("never serves a Host's new route before the new filter it enables (runner/filters-first.ts holds its RouteConfiguration, not its scope)", async () => {
    e2e.write("guarded.yaml", `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: scoped-keys }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: k, sha256: "${"ab".repeat(32)}" }] } }
---
${mapping("guarded", { hostname: "a.example.com", prefix: "/guarded/", service: `http://127.0.0.1:${a.port}`, filters: [{ name: "scoped-keys" }] })}`);
    const statuses = new Set<string>();
    const started = performance.now();
    while (!statuses.has("401") && performance.now() - started < 10_000) {
      // "0": a listener being replaced closed the connection.
      statuses.add(await reached("a.example.com", "/guarded/x").catch(() => "0"));
    }
    expect([...statuses].filter((s) => s !== "404" && s !== "0" && s !== "503")).toEqual(["401"]);
    expect(scopes()).toEqual(["attache-http/a.example.com", "attache-http/b.example.com"]);
    expect(await reached("b.example.com")).toBe("b");
  });

  it("keeps every Host's routes when a wildcard Host turns the layout back into one RouteConfiguration", async () => {
    e2e.write("wild.yaml", [host("w", "*.wild.example.com"), mapping("mw", { hostname: "*.wild.example.com", prefix: "/app/", service: `http://127.0.0.1:${b.port}` })].join("---\n"));
    await eventually(async () => (await reached("x.wild.example.com").catch(() => "")) === "b");
    expect(scopes()).toEqual([]);
    expect(await reached("a.example.com")).toBe("a");
    expect(await reached("b.example.com:8080")).toBe("b");
    expect(await reached("c.example.com")).toBe("404");
  });
});
