// What the model makes of valid resources: routes, canary groups, shadows, hosts, order,
// filters, AuthService, EDS endpoints, and structural sharing between runs.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { buildModel, createModelCache } from "./index.ts";
import { bundle, model, errorsOf, mapping, doc, docs, condition, TEST_OPTIONS } from "./fixtures.ts";
import type { RouteActionIR, RouteIR } from "../ir/types.ts";

const svc = "http://127.0.0.1:9001";
const action = (route: RouteIR) => route.action as RouteActionIR;
const routesOf = (result: ReturnType<typeof model>, vhost = "attache/default") => result.ir.virtualHosts.find((v) => v.name === vhost)!.routes;

describe("routes and defaults", () => {
  it("a plain Mapping gets Emissary's defaults: 3s timeout, rewrite /", () => {
    const result = model(mapping("echo", { prefix: "/echo/", service: svc }));
    expect(errorsOf(result)).toEqual([]);
    const [route] = routesOf(result);
    expect(route.name).toBe("default/echo");
    expect(action(route)).toMatchObject({ timeoutMs: 3000, prefixRewrite: "/", backends: [{ cluster: "url/127.0.0.1:9001", weight: 100 }] });
    expect(result.ir.clusters).toEqual([expect.objectContaining({ name: "url/127.0.0.1:9001", discovery: "static", endpoints: [{ address: "127.0.0.1", port: 9001, ready: true }] })]);
    expect(condition(result, "Mapping", "echo", "Accepted")).toMatchObject({ status: "True", reason: "Accepted", lastTransitionTime: "2026-01-01T00:00:00Z" });
  });

  it('rewrite "" keeps the path; regex Mappings do not rewrite by default', () => {
    const result = model(docs(mapping("a", { prefix: "/a/", service: svc, rewrite: "" }), mapping("b", { regex: "/b/.*", service: svc })));
    for (const route of routesOf(result)) expect(action(route).prefixRewrite).toBeUndefined();
  });

  it("carries every route option into the IR", () => {
    const result = model(mapping("m", {
      prefix: "/m/", service: "https://api.example.com", method: "POST", caseSensitive: false, grpc: true,
      headers: [{ name: "X-A", value: "1" }, { name: "x-b", present: false }], queryParameters: [{ name: "q", regex: "^[0-9]+$" }],
      timeout: "1m30s", idleTimeout: "250ms", retryPolicy: { numRetries: 3, perTryTimeout: "1s" }, hostRewrite: "api.example.com",
      cors: { origins: ["*"], maxAge: "1h" }, addRequestHeaders: [{ name: "x-r", value: "v", append: true }], removeResponseHeaders: ["server"],
      allowUpgrade: ["websocket"], loadBalancer: { policy: "ring_hash", header: "X-User" }, circuitBreakers: { maxConnections: 10 }, connectTimeout: "2s",
    }));
    expect(errorsOf(result)).toEqual([]);
    const [route] = routesOf(result);
    expect(route.match).toEqual({ prefix: "/m/", caseSensitive: false, method: "POST", grpc: true, headers: [{ name: "x-a", exact: "1" }, { name: "x-b", present: true, invert: true }], queryParameters: [{ name: "q", regex: "^[0-9]+$" }] });
    expect(action(route)).toMatchObject({
      timeoutMs: 90_000, idleTimeoutMs: 250, retry: { retryOn: "5xx", numRetries: 3, perTryTimeoutMs: 1000 }, hostRewrite: "api.example.com",
      cors: { origins: ["*"], methods: [], headers: [], exposedHeaders: [], credentials: false, maxAgeSeconds: 3600 },
      headers: { requestAdd: [{ name: "x-r", value: "v", append: true }], requestRemove: [], responseAdd: [], responseRemove: ["server"] },
      upgrades: ["websocket"], hashPolicy: [{ kind: "header", name: "x-user" }],
    });
    const [cluster] = result.ir.clusters;
    expect(cluster).toMatchObject({ discovery: "strict_dns", protocol: "http2", lbPolicy: "ring_hash", connectTimeoutMs: 2000, circuitBreakers: { maxConnections: 10 }, upstreamTls: { sni: "api.example.com" }, endpoints: [{ address: "api.example.com", port: 443 }] });
    expect(cluster.name).toMatch(/^url-tls\/api\.example\.com:443#[0-9a-f]{8}$/);
  });

  it("Kubernetes services become EDS clusters with ready endpoints only", () => {
    const result = model(docs(
      mapping("m", { prefix: "/", service: "echo.apps:8080" }),
      JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "apps" }, spec: { ports: [{ name: "http", port: 8080, targetPort: 9090 }] } }),
      JSON.stringify({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "echo-1", namespace: "apps", labels: { "kubernetes.io/service-name": "echo" } },
        ports: [{ name: "http", port: 9090 }], endpoints: [{ addresses: ["10.0.0.2"], conditions: { ready: true } }, { addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.3"], conditions: { ready: false } }] }),
    ));
    expect(errorsOf(result)).toEqual([]);
    expect(result.ir.clusters).toEqual([expect.objectContaining({ name: "apps/echo:8080", discovery: "eds", endpoints: [{ address: "10.0.0.1", port: 9090, ready: true }, { address: "10.0.0.2", port: 9090, ready: true }] })]);
  });
});

describe("canary groups and shadows", () => {
  it("normalizes weights like Emissary and lists the canary first", () => {
    const result = model(docs(mapping("shop", { prefix: "/shop/", service: svc }), mapping("shop-canary", { prefix: "/shop/", service: "http://127.0.0.1:9002", weight: 10 })));
    const routes = routesOf(result);
    expect(routes).toHaveLength(1);
    expect(routes[0].name).toBe("default/shop");
    expect(routes[0].sources.map((s) => s.name)).toEqual(["shop", "shop-canary"]);
    expect(action(routes[0]).backends.map((b) => [b.cluster, b.weight])).toEqual([["url/127.0.0.1:9002", 10], ["url/127.0.0.1:9001", 90]]);
    expect(action(routes[0]).stickyHeader).toBeUndefined();
  });

  it("splits the rest among unweighted Mappings (remainder to the first)", () => {
    const result = model(docs(mapping("a", { prefix: "/x/", service: svc }), mapping("b", { prefix: "/x/", service: svc }), mapping("c", { prefix: "/x/", service: svc }), mapping("d", { prefix: "/x/", service: svc, weight: 1 })));
    const backends = action(routesOf(result)[0]).backends;
    expect(backends.map((b) => [b.source.name, b.weight])).toEqual([["b", 33], ["c", 33], ["d", 1], ["a", 33]]);
    expect(backends.reduce((n, b) => n + b.weight, 0)).toBe(100);
  });

  it("a lone weighted Mapping gets 100; all-weighted groups give the rest to the primary", () => {
    expect(action(routesOf(model(mapping("a", { prefix: "/x/", service: svc, weight: 30 })))[0]).backends[0].weight).toBe(100);
    const backends = action(routesOf(model(docs(mapping("a", { prefix: "/x/", service: svc, weight: 30 }), mapping("b", { prefix: "/x/", service: svc, weight: 20 }))))[0]).backends;
    expect(backends.map((b) => [b.source.name, b.weight])).toEqual([["b", 20], ["a", 80]]);
  });

  it("canary turns on sticky hashing: header_name and the canary filter with the canary share", () => {
    const result = model(docs(mapping("shop", { prefix: "/shop/", service: svc }), mapping("shop-canary", { prefix: "/shop/", service: "http://127.0.0.1:9002", weight: 20, canary: { config: { keySources: ["header:x-user"] } } })));
    expect(errorsOf(result)).toEqual([]);
    const [route] = routesOf(result);
    expect(action(route).stickyHeader).toBe("x-attache-canary-hash");
    expect(route.filters).toEqual([{ filter: "attache.wasm/_builtin/canary", settings: { keySources: ["header:x-user"], hashHeader: "x-attache-canary-hash", totalWeight: 100, canaryWeight: 20 } }]);
    expect(result.ir.wasmFilters).toEqual([expect.objectContaining({ name: "attache.wasm/_builtin/canary", failurePolicy: "FailOpen", module: { sha256: "c".repeat(64), path: `/modules/${"c".repeat(64)}.wasm` }, configuration: { routes: { "default/shop": route.filters[0].settings } } })]);
  });

  it("shadow becomes a mirror with the shadow's weight as percentage", () => {
    const result = model(docs(mapping("a", { prefix: "/x/", service: svc }), mapping("s", { prefix: "/x/", service: "http://127.0.0.1:9009", shadow: true, weight: 25 })));
    const [route] = routesOf(result);
    expect(action(route).backends).toHaveLength(1);
    expect(action(route).mirrors).toEqual([{ cluster: "url/127.0.0.1:9009", percent: 25, source: { kind: "Mapping", namespace: "default", name: "s" } }]);
  });

  it("a shadow without a primary is an error and routes nothing", () => {
    const result = model(mapping("s", { prefix: "/x/", service: svc, shadow: true }));
    expect(errorsOf(result)).toEqual(["Mapping default/s: spec.shadow: no non-shadow Mapping has the same match, so there is no traffic to mirror"]);
    expect(result.ir.virtualHosts.flatMap((v) => v.routes)).toEqual([]);
  });

  it("over-100 weights drop the weighted Mappings; the unweighted one still routes", () => {
    const result = model(docs(mapping("a", { prefix: "/x/", service: svc }), mapping("b", { prefix: "/x/", service: svc, weight: 70 }), mapping("c", { prefix: "/x/", service: svc, weight: 40 })));
    expect(action(routesOf(result)[0]).backends.map((b) => [b.source.name, b.weight])).toEqual([["a", 100]]);
    expect(condition(result, "Mapping", "b", "Accepted")).toMatchObject({ status: "False", reason: "InvalidWeights" });
  });
});

describe("hosts", () => {
  const hosts = docs(doc("Host", "api", { hostname: "api.example.com" }), doc("Host", "wild", { hostname: "*.example.com" }), doc("Host", "sel", { hostname: "sel.test", mappingSelector: { matchLabels: { team: "a" } } }));

  it("selects by hostname glob OR mappingSelector (Emissary); unselected Mappings go to the catch-all", () => {
    const result = model(docs(hosts,
      mapping("exact", { prefix: "/e/", service: svc, hostname: "api.example.com" }),
      mapping("labelled", { prefix: "/l/", service: svc, hostname: "*" }, { labels: { team: "a" } }),
      mapping("other", { prefix: "/o/", service: svc, hostname: "other.test" }),
    ));
    expect(errorsOf(result)).toEqual([]);
    const names = (vhost: string) => routesOf(result, vhost).map((r) => r.name);
    expect(result.ir.virtualHosts.map((v) => [v.name, v.domains])).toEqual([["attache/default", ["*"]], ["default/api", ["api.example.com"]], ["default/sel", ["sel.test"]], ["default/wild", ["*.example.com"]]]);
    // Equal lengths: the path text decides, highest first ("/l/" > "/e/").
    expect(names("default/api")).toEqual(["default/labelled", "default/exact"]);
    expect(names("default/wild")).toEqual(["default/labelled", "default/exact"]);
    expect(names("default/sel")).toEqual(["default/labelled"]);
    // hostname "*" Mappings also answer on the catch-all (names no Host claims), see index.ts.
    expect(names("attache/default")).toEqual(["default/other", "default/labelled"]); // other has an :authority matcher
    // A Mapping narrower than its Host matches the :authority too.
    expect(routesOf(result, "default/wild").find((r) => r.name === "default/exact")!.match.headers).toEqual([{ name: ":authority", regex: "(?i)^api\\.example\\.com(:[0-9]+)?$" }]);
    expect(routesOf(result, "default/api")[0].match.headers).toEqual([]);
    expect(condition(result, "Mapping", "other", "Accepted")?.message).toContain("catch-all");
  });

  it("no Host at all: one implicit catch-all virtual host", () => {
    const result = model(mapping("m", { prefix: "/", service: svc, hostname: "foo.test" }));
    expect(result.ir.virtualHosts.map((v) => [v.name, v.domains, v.insecure])).toEqual([["attache/default", ["*"], "Route"]]);
  });

  it("spec.host attaches to exactly that Host", () => {
    const result = model(docs(hosts, mapping("m", { prefix: "/", service: svc, host: "sel" })));
    expect(result.ir.virtualHosts.filter((v) => v.routes.length).map((v) => v.name)).toEqual(["default/sel"]);
  });

  it("TLS Hosts: secret, SNI, ALPN, redirect by default", () => {
    const pem = { "tls.crt": Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64"), "tls.key": Buffer.from("-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n").toString("base64") };
    const result = model(docs(
      doc("Host", "secure", { hostname: "secure.test", tlsSecret: { name: "cert" }, tls: { minVersion: "1.3" } }),
      JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "cert" }, type: "kubernetes.io/tls", data: pem }),
      mapping("m", { prefix: "/", service: svc, hostname: "secure.test" }),
    ));
    expect(errorsOf(result)).toEqual([]);
    const vhost = result.ir.virtualHosts.find((v) => v.name === "default/secure")!;
    expect(vhost).toMatchObject({ insecure: "Redirect", tls: { secretName: "default/cert", serverNames: ["secure.test"], alpn: ["h2", "http/1.1"], minVersion: "1.3" } });
    expect(result.ir.secrets).toEqual([{ name: "default/cert", certificateChain: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", privateKey: "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n" }]);
  });

  it("a Secret without PEM is reported on the Host", () => {
    const result = model(docs(doc("Host", "h", { hostname: "h.test", tlsSecret: { name: "bad" } }), JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "bad" }, stringData: { "tls.crt": "nope", "tls.key": "nope" } })));
    expect(errorsOf(result)).toEqual(["Host default/h: spec.tlsSecret: Secret default/bad has no PEM certificate in tls.crt"]);
    expect(condition(result, "Host", "h", "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidSecret" });
  });
});

describe("route order", () => {
  it("is Emissary's: precedence, path length, header length (a method counts as :method), then the path text, highest first", () => {
    const result = model(docs(
      mapping("root", { prefix: "/", service: svc }),
      mapping("api", { prefix: "/api/", service: svc }),
      mapping("api-v1", { prefix: "/api/v1/", service: svc }),
      mapping("api-hdr", { prefix: "/api/", service: svc, headers: [{ name: "x", value: "1" }] }),
      mapping("api-get", { prefix: "/api/", service: svc, method: "GET" }),
      mapping("regex", { regex: "/api/[0-9]+", service: svc }),
      mapping("exact", { path: "/api/health", service: svc }),
      mapping("urgent", { prefix: "/", service: svc, precedence: 10, headers: [{ name: "x-urgent", present: true }] }),
      mapping("b-same", { prefix: "/same/", service: svc, headers: [{ name: "b", value: "1" }] }),
      mapping("a-same", { prefix: "/same/", service: svc, headers: [{ name: "a", value: "1" }] }),
    ));
    expect(routesOf(result).map((r) => r.name.slice("default/".length))).toEqual(["urgent", "exact", "regex", "api-v1", "b-same", "a-same", "api-get", "api-hdr", "api", "root"]);
  });
});

describe("filters", () => {
  const wasm = docs(
    doc("WasmFilter", "hello", { module: { local: "template" }, config: { header: { name: "x-hello", value: "world" } }, order: 5 }),
    doc("WasmFilter", "early", { module: { url: "https://example.com/f.wasm", sha256: "e".repeat(64) }, failurePolicy: "FailClosed", order: 1 }),
    doc("WasmFilter", "keys", { module: { builtin: "auth" } }),
  );

  it("wires custom filters with per-route config, in table order", () => {
    const result = model(docs(wasm,
      mapping("m", { prefix: "/m/", service: svc, rateLimit: { requests: 5, interval: "1s" }, filters: [{ name: "hello", config: { require: "x-api-version" } }, { name: "early" }, { name: "keys" }] }),
      mapping("n", { prefix: "/n/", service: svc, filters: [{ name: "hello" }] }),
    ));
    expect(errorsOf(result)).toEqual([]);
    const route = routesOf(result).find((r) => r.name === "default/m")!;
    expect(route.filters.map((f) => f.filter)).toEqual(["attache.wasm/default/keys", "attache.wasm/_builtin/ratelimit", "attache.wasm/default/early", "attache.wasm/default/hello"]);
    expect(result.ir.wasmFilters.map((f) => [f.name, f.order, f.failurePolicy])).toEqual([
      ["attache.wasm/default/keys", 1001, "FailClosed"],
      ["attache.wasm/_builtin/ratelimit", 2000, "FailOpen"],
      ["attache.wasm/default/early", 4002, "FailClosed"],
      ["attache.wasm/default/hello", 4006, "FailOpen"],
    ]);
    const hello = result.ir.wasmFilters.find((f) => f.name === "attache.wasm/default/hello")!;
    expect(hello).toMatchObject({ vmId: "default/hello", rootId: "", module: { sha256: "d".repeat(64) } });
    expect(hello.configuration).toEqual({ header: { name: "x-hello", value: "world" }, routes: { "default/m": { require: "x-api-version" }, "default/n": {} } });
    expect(result.ir.wasmFilters.find((f) => f.name === "attache.wasm/_builtin/ratelimit")!.configuration).toEqual({ routes: { "default/m": { requests: 5, interval: "1s" } } });
  });

  it("unused WasmFilters are not in the IR", () => {
    expect(model(docs(wasm, mapping("m", { prefix: "/", service: svc }))).ir.wasmFilters).toEqual([]);
  });

  it("per-route config and WasmFilter defaults are checked against the filter's schema", () => {
    const route = { type: "object", additionalProperties: false, properties: { require: { type: "string" } } };
    const template = { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { header: { type: "object" }, require: { type: "string" }, routes: { type: "object", additionalProperties: route } } };
    const filterSchemas = { ...TEST_OPTIONS.filterSchemas, template };
    const result = model(docs(wasm, mapping("m", { prefix: "/", service: svc, filters: [{ name: "hello", config: { requier: "x" } }] })), { filterSchemas });
    expect(errorsOf(result)).toEqual(["Mapping default/m: spec.filters[0].config.requier: unknown field"]);
    const defaults = model(doc("WasmFilter", "w", { module: { local: "template" }, config: { require: 5 } }), { filterSchemas });
    expect(errorsOf(defaults)).toEqual(["WasmFilter default/w: spec.config.require: must be string (got 5)"]);
  });

  it("a ConfigMap module gets its digest from the ConfigMap", () => {
    const bytes = Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]);
    const result = model(docs(
      doc("WasmFilter", "cm", { module: { configMap: { name: "mods", key: "f.wasm" } } }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mods" }, binaryData: { "f.wasm": bytes.toString("base64") } }),
      mapping("m", { prefix: "/", service: svc, filters: [{ name: "cm" }] }),
    ));
    expect(errorsOf(result)).toEqual([]);
    expect(result.ir.wasmFilters[0].module.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });
});

describe("AuthService", () => {
  it("puts the auth callout on every Mapping of its Hosts except bypassAuth", () => {
    const result = model(docs(
      doc("Host", "h", { hostname: "h.test" }),
      doc("AuthService", "auth", { service: "http://127.0.0.1:9003", pathPrefix: "/check", allowedAuthorizationHeaders: ["x-user"], timeout: "2s", hosts: ["h"] }),
      mapping("private", { prefix: "/p/", service: svc, hostname: "h.test" }),
      mapping("public", { prefix: "/pub/", service: svc, hostname: "h.test", bypassAuth: true }),
      mapping("elsewhere", { prefix: "/e/", service: svc, hostname: "other.test" }),
    ));
    expect(errorsOf(result)).toEqual([]);
    const filtersOf = (vhost: string, name: string) => routesOf(result, vhost).find((r) => r.name === name)!.filters;
    const settings = { external: { cluster: "url/127.0.0.1:9003", authority: "127.0.0.1:9003", pathPrefix: "/check", allowedRequestHeaders: [], allowedAuthorizationHeaders: ["x-user"], timeoutMs: 2000, failureModeAllow: false } };
    expect(filtersOf("default/h", "default/private")).toEqual([{ filter: "attache.wasm/_authservice/default/auth", settings }]);
    expect(filtersOf("default/h", "default/public")).toEqual([]);
    expect(filtersOf("attache/default", "default/elsewhere")).toEqual([]);
    expect(result.ir.wasmFilters).toEqual([expect.objectContaining({ name: "attache.wasm/_authservice/default/auth", source: { kind: "AuthService", namespace: "default", name: "auth" }, vmId: "_authservice/default/auth", order: 1000, failurePolicy: "FailClosed", configuration: { routes: { "default/private": settings } } })]);
    expect(result.ir.clusters.map((c) => c.name)).toContain("url/127.0.0.1:9003");
  });

  it("without hosts it applies everywhere, the catch-all included", () => {
    const result = model(docs(doc("AuthService", "auth", { service: "http://127.0.0.1:9003" }), mapping("m", { prefix: "/", service: svc })));
    expect(routesOf(result)[0].filters.map((f) => f.filter)).toEqual(["attache.wasm/_authservice/default/auth"]);
  });

  it("a Mapping on Hosts of different AuthServices gets each Host's callout", () => {
    const result = model(docs(
      doc("Host", "one", { hostname: "one.test" }), doc("Host", "two", { hostname: "two.test" }),
      doc("AuthService", "a", { service: "http://127.0.0.1:9003", hosts: ["one"] }),
      doc("AuthService", "b", { service: "http://127.0.0.1:9004", hosts: ["two"] }),
      mapping("shared", { prefix: "/", service: svc }),
    ));
    expect(errorsOf(result)).toEqual([]);
    expect(routesOf(result, "default/one")[0].filters.map((f) => f.filter)).toEqual(["attache.wasm/_authservice/default/a"]);
    expect(routesOf(result, "default/two")[0].filters.map((f) => f.filter)).toEqual(["attache.wasm/_authservice/default/b"]);
    const cluster = (name: string) => ((result.ir.wasmFilters.find((f) => f.name === name)!.configuration.routes as Record<string, { external: { cluster: string } }>)["default/shared"]).external.cluster;
    expect([cluster("attache.wasm/_authservice/default/a"), cluster("attache.wasm/_authservice/default/b")]).toEqual(["url/127.0.0.1:9003", "url/127.0.0.1:9004"]);
  });
});

describe("structural sharing", () => {
  const many = (n: number, changed?: number) => docs(
    doc("Host", "a", { hostname: "a.test" }), doc("Host", "b", { hostname: "b.test" }),
    ...Array.from({ length: n }, (_, i) => mapping(`m${i}`, { prefix: `/m${i}/`, service: svc, hostname: i % 2 ? "a.test" : "b.test", timeout: i === changed ? "9s" : "3s", rateLimit: i % 3 ? undefined : { requests: 5 } })),
  );

  it("unchanged inputs give the same IR objects; one change rebuilds one route and its virtual host", () => {
    const cache = createModelCache();
    const options = { ...TEST_OPTIONS, cache };
    const first = buildModel(bundle(many(20)), options);
    const again = buildModel(bundle(many(20)), options); // re-parsed: new objects, same content
    expect(again.ir.virtualHosts).toEqual(first.ir.virtualHosts);
    again.ir.virtualHosts.forEach((v, i) => expect(v).toBe(first.ir.virtualHosts[i]));
    again.ir.clusters.forEach((c, i) => expect(c).toBe(first.ir.clusters[i]));
    again.ir.wasmFilters.forEach((f, i) => expect(f).toBe(first.ir.wasmFilters[i]));

    const changed = buildModel(bundle(many(20, 5)), options); // m5 is on Host a
    const vhost = (r: typeof first, name: string) => r.ir.virtualHosts.find((v) => v.name === name)!;
    expect(vhost(changed, "default/b")).toBe(vhost(first, "default/b"));
    expect(vhost(changed, "default/a")).not.toBe(vhost(first, "default/a"));
    const before = vhost(first, "default/a").routes;
    const after = vhost(changed, "default/a").routes;
    expect(after.filter((r, i) => r !== before[i]).map((r) => r.name)).toEqual(["default/m5"]);
    expect((after.find((r) => r.name === "default/m5")!.action as RouteActionIR).timeoutMs).toBe(9000);
    // Replayed virtual hosts keep their side effects: clusters, filter routes and statuses.
    expect(changed.ir.clusters).toEqual(first.ir.clusters);
    changed.ir.clusters.forEach((c, i) => expect(c, "an edited Mapping keeps its cluster object").toBe(first.ir.clusters[i]));
    expect(changed.ir.wasmFilters.map((f) => Object.keys(f.configuration.routes as object).length)).toEqual(first.ir.wasmFilters.map((f) => Object.keys(f.configuration.routes as object).length));
  });

  it("replays status problems of unchanged virtual hosts", () => {
    const cache = createModelCache();
    const options = { ...TEST_OPTIONS, cache };
    const yaml = (timeout: string) => docs(
      doc("Host", "a", { hostname: "a.test" }), doc("Host", "b", { hostname: "b.test" }),
      mapping("orphan", { prefix: "/o/", service: "missing:80", hostname: "b.test" }),
      mapping("x", { prefix: "/x/", service: "http://127.0.0.1:9001", hostname: "b.test" }),
      mapping("y", { prefix: "/x/", service: "http://127.0.0.1:9002", hostname: "b.test", weight: 10 }),
      mapping("edited", { prefix: "/e/", service: "http://127.0.0.1:9001", hostname: "a.test", timeout }),
    );
    const runs = ["1s", "2s", "2s"].map((t) => buildModel(bundle(yaml(t)), options));
    for (const run of runs) {
      expect(errorsOf(run)).toEqual(["Mapping default/orphan: spec.service: Service default/missing not found"]);
      expect(condition(run, "Mapping", "y", "Accepted")?.message).toBe("Accepted; part of route default/x (its settings apply)");
    }
    expect(runs[2].statuses).toEqual(runs[1].statuses);
    runs[2].statuses.forEach((s, i) => expect(s).toBe(runs[1].statuses[i]));
  });

  it("says a canary member's note once when the group lands on several virtual hosts", () => {
    const run = buildModel(bundle(docs(
      doc("Host", "a", { hostname: "a.test" }), doc("Host", "b", { hostname: "b.test" }),
      mapping("x", { prefix: "/x/", service: svc }),
      mapping("y", { prefix: "/x/", service: "http://127.0.0.1:9002", weight: 10 }),
    )), TEST_OPTIONS);
    expect(condition(run, "Mapping", "y", "Accepted")?.message).toBe("Accepted; part of route default/x (its settings apply)");
  });

  it("the same bundle objects are checked once (identity cache)", () => {
    const cache = createModelCache();
    const b = bundle(many(5));
    const first = buildModel(b, { ...TEST_OPTIONS, cache });
    const second = buildModel(b, { ...TEST_OPTIONS, cache });
    expect(second.ir.virtualHosts[0]).toBe(first.ir.virtualHosts[0]);
  });
});

describe("robustness", () => {
  it("an invalid Mapping is left out and the others still route", () => {
    const result = model(docs(mapping("bad", { prefix: "/bad/", service: svc, timeout: "x" }), mapping("good", { prefix: "/good/", service: svc })));
    expect(routesOf(result).map((r) => r.name)).toEqual(["default/good"]);
    expect(condition(result, "Mapping", "bad", "Accepted")).toMatchObject({ status: "False" });
    expect(condition(result, "Mapping", "bad", "ResolvedRefs")).toMatchObject({ status: "Unknown" });
  });

  it("observedGeneration comes from metadata.generation", () => {
    const result = model(mapping("m", { prefix: "/", service: svc }, { generation: 7 }));
    expect(condition(result, "Mapping", "m", "Accepted")?.observedGeneration).toBe(7);
  });
});
