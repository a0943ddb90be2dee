// Structural sharing (unchanged inputs give the same objects), listener stability, and the
// model/translator contract checks.
import { describe, expect, it } from "vitest";
import type { ResourceTypeUrl } from "../../protos/type-urls.ts";
import type { GatewayIR } from "../ir/types.ts";
import {
  gatewayIR, route, routeMatch, secret, vhost, wasmFilter, edsCluster,
} from "./fixtures.ts";
import { irProblems, translate, TYPE, type XdsResources } from "./index.ts";
import { protoCheck, roundTripDifferences } from "./protocheck.ts";

type Obj = Record<string, any>;
const get = (out: XdsResources, type: ResourceTypeUrl, name: string): Obj => {
  const resource = out[type]!.get(name);
  if (!resource) throw new Error(`no ${type} ${name}; have ${[...out[type]!.keys()].join(", ")}`);
  return resource as Obj;
};

function basicIR(over: Partial<GatewayIR> = {}): GatewayIR {
  return gatewayIR({
    virtualHosts: [vhost("default/example", { domains: ["example.com"], routes: [route("default/echo")] })],
    clusters: [edsCluster("default/echo:80")],
    ...over,
  });
}

describe("translate: structural sharing", () => {
  it("re-translates only the virtual host whose route changed; everything else keeps its identity", () => {
    const hosts = [0, 1, 2].map((i) => vhost(`default/h${i}`, { domains: [`h${i}.example.com`], routes: [route(`default/r${i}`)] }));
    const before = basicIR({ virtualHosts: hosts });
    const changedHost = { ...hosts[1]!, routes: [route("default/r1", { match: routeMatch({ prefix: "/changed/" }) })] };
    const after = { ...before, virtualHosts: [hosts[0]!, changedHost, hosts[2]!] };
    const a = translate(before);
    const b = translate(after);
    // Scoped layout (exact domains): one RouteConfiguration per Host.
    const rc = (out: XdsResources, i: number): Obj => out[TYPE.routeConfiguration]!.get(`attache-http/default/h${i}`) as Obj;
    expect(rc(b, 0)).toBe(rc(a, 0));
    expect(rc(b, 2)).toBe(rc(a, 2));
    expect(rc(b, 1)).not.toBe(rc(a, 1));
    expect(rc(b, 1).virtual_hosts[0].routes[0].match.prefix).toBe("/changed/");
    expect(b[TYPE.scopedRouteConfiguration]!.get("attache-http/h1.example.com")).toEqual(a[TYPE.scopedRouteConfiguration]!.get("attache-http/h1.example.com"));
    // Nothing changed: the RouteConfiguration itself is the same object (the xDS cache skips it).
    expect(rc(translate(after), 1)).toBe(rc(b, 1));
    expect(b[TYPE.listener]!.get("attache-http")).toBe(a[TYPE.listener]!.get("attache-http"));
    expect(b[TYPE.cluster]!.get("default/echo:80")).toBe(a[TYPE.cluster]!.get("default/echo:80"));
  });
});

describe("translate: listener stability", () => {
  it("keeps the HTTPS Listener (no connection drain) and equal Wasm configs when only a route of a TLS Host changes", () => {
    const tls = { secretName: "default/tls", serverNames: ["a.example.com"], alpn: ["h2", "http/1.1"] };
    const filter = () => wasmFilter("default/auth", { configuration: { routes: { "default/r": {} } } });
    const ir = (prefix: string) => basicIR({
      virtualHosts: [vhost("default/a", { domains: ["a.example.com"], tls: { ...tls }, routes: [route("default/r", { match: routeMatch({ prefix }), filters: [{ filter: "attache.wasm/default/auth", settings: {} }] })] })],
      wasmFilters: [filter()],
      secrets: [secret("default/tls")],
    });
    const a = translate(ir("/one/"));
    const b = translate(ir("/two/"));
    expect(b[TYPE.listener]!.get("attache-https")).toBe(a[TYPE.listener]!.get("attache-https"));
    expect(b[TYPE.typedExtensionConfig]!.get("attache.wasm/default/auth")).toBe(a[TYPE.typedExtensionConfig]!.get("attache.wasm/default/auth"));
    expect(b[TYPE.routeConfiguration]!.get("attache-https/default/a")).not.toBe(a[TYPE.routeConfiguration]!.get("attache-https/default/a"));
    const changedTls = basicIR({ ...ir("/two/"), virtualHosts: [vhost("default/a", { domains: ["a.example.com"], tls: { ...tls, minVersion: "1.3" } })] });
    const c = translate(changedTls);
    expect(c[TYPE.listener]!.get("attache-https")).not.toBe(b[TYPE.listener]!.get("attache-https"));
  });

  it("gives a server name claimed by two Hosts to the first only (Envoy rejects duplicate chains)", () => {
    const tls = (secretName: string) => ({ secretName, serverNames: ["a.example.com", "b.example.com"], alpn: [] });
    const out = translate(basicIR({
      virtualHosts: [vhost("default/first", { domains: ["a.example.com"], tls: tls("default/x") }), vhost("default/second", { domains: ["b.example.com"], tls: tls("default/y") })],
    }));
    const chains = get(out, TYPE.listener, "attache-https").filter_chains;
    expect(chains.map((c: Obj) => c.filter_chain_match.server_names)).toEqual([["a.example.com", "b.example.com"]]);
  });
});

describe("translate: contract checks", () => {
  it("reports settings keyed by routes that do not enable the filter, missing clusters and secrets, duplicate domains", () => {
    const filter = wasmFilter("default/auth", { configuration: { routes: { "default/ghost": {} } } });
    const ir = gatewayIR({
      virtualHosts: [
        vhost("default/a", { domains: ["a.example.com"], routes: [route("default/echo", { filters: [{ filter: filter.name, settings: { x: 1 } }] })] }),
        vhost("default/b", { domains: ["a.example.com"], tls: { secretName: "default/none", serverNames: ["a.example.com"], alpn: [] } }),
      ],
      wasmFilters: [filter],
    });
    expect(irProblems(ir)).toEqual([
      "virtual host default/a: route default/echo: cluster default/echo:80 is not in the IR",
      "virtual host default/b: TLS secret default/none is not in the IR",
      "domain a.example.com is served by two virtual hosts",
      "Wasm filter attache.wasm/default/auth: configuration.routes has settings for default/ghost, which does not enable the filter",
      "Wasm filter attache.wasm/default/auth: route default/echo has settings missing from configuration.routes",
    ]);
    expect(() => translate(ir)).not.toThrow();
  });
});

describe("protoCheck", () => {
  it("names the resource and field of an encoding error, a broken validation rule and a value lost in the round trip", () => {
    const out = translate(gatewayIR());
    // The compiler rejects a field Envoy's Cluster does not have; the proto check catches it
    // in JSON that did not go through the compiler.
    // @ts-expect-error conect_timeout is not a field of envoy.config.cluster.v3.Cluster
    out[TYPE.cluster]!.set("bad", { name: "bad", conect_timeout: "1s" });
    expect(protoCheck(out).problems).toEqual([`Cluster[bad]: cannot decode message envoy.config.cluster.v3.Cluster from JSON: key "conect_timeout" is unknown`]);
    const zeroTimeout = translate(gatewayIR({ clusters: [edsCluster("default/zero:80", { connectTimeoutMs: 0 })] }));
    expect(protoCheck(zeroTimeout).problems).toEqual(["Cluster[default/zero:80].connect_timeout: must be longer than 0s"]);
    expect(roundTripDifferences({ a: { b: "x", c: "ROUND_ROBIN" } }, { a: {} }, "R")).toEqual(["R.a.b: lost in the round trip"]);
  });
});
