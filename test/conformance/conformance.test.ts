// Differential conformance: the same module and the same requests through host/ and through
// real Envoy 1.40 (differential.ts), comparing what the client and the upstream see, the
// module's log lines in order and its metrics. Modules: the conformance probe (every ABI area
// of host/README.md, test/conformance/modules), the template filter, the built-in auth,
// rate-limit and canary filters, a module built with the official Rust SDK (rust/), and the
// Rust SDK twins of the built-in filters (bench/envoy/twins-rust). Differences that remain are
// listed in host/README.md ("Verified against Envoy").
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { describeWithTools } from "../tools.ts";
import { sha256Hex } from "../../filters/auth/token-fixtures.ts";
import { runBoth, type Exchange, type SideResult } from "./differential.ts";
import { plugin, type PluginUnderTest } from "./plugin.ts";
import { buildRustModule } from "./rust-module.ts";
import { buildTwins, type Twins } from "../../bench/envoy/twins.ts";

const built = (path: string) => fileURLToPath(new URL(`../../build/${path}`, import.meta.url));
const PROBE = built("test/conformance/modules/conformance-probe.wasm");

const req = (name: string, path: string, headers: Array<[string, string]> = [], more: Partial<Exchange["request"]> = {}): Exchange =>
  ({ name, request: { path, headers: [["host", "example.test"], ...headers], ...more } });
const probeCase = (name: string, extra: Array<[string, string]> = [], more: Partial<Exchange["request"]> = {}) =>
  req(name, `/${name}`, [["x-case", name], ...extra], more);

/**
 * host/ reports a VM failure through the log at critical (proxy-wasm <callback>: trap: ...);
 * Envoy writes its own, differently worded line outside the module's `wasm log` lines.
 */
function moduleLogs(side: SideResult) {
  return side.logs.filter((l) => !l.message.startsWith("proxy-wasm proxy_"));
}

async function expectSame(p: PluginUnderTest, exchanges: Exchange[], metrics: string[] = []): Promise<SideResult> {
  const { host, envoy } = await runBoth(p, exchanges, { metrics });
  for (let i = 0; i < exchanges.length; i++) {
    expect(host.exchanges[i], `client and upstream view of "${exchanges[i]!.name}"`).toEqual(envoy.exchanges[i]);
  }
  expect(moduleLogs(host)).toEqual(moduleLogs(envoy));
  expect(host.metrics).toEqual(envoy.metrics);
  return envoy;
}

describeWithTools(["envoy"], "host/ and Envoy 1.40 agree on the same module and requests", () => {
  it("the conformance probe: headers, local reply, callout + continue, buffers, properties, shared data, metrics, log levels, statuses", async () => {
    const envoy = await expectSame(plugin(PROBE), [
      probeCase("headers", [["x-replace", "old"], ["x-remove", "1"], ["x-echo-header", "x-echo-drop=1"], ["x-echo-header", "x-kept=2"]]),
      probeCase("local"),
      probeCase("callout", [], { method: "POST", body: "hello" }),
      probeCase("buffers", [], { method: "POST", body: "hello world" }),
      req("properties", "/p/q?a=b", [["x-case", "properties"], ["user-agent", "conformance"]]),
      probeCase("shared", [["x-key", "1"]]),
      probeCase("metrics"),
      probeCase("levels"),
      probeCase("statuses"),
    ], ["conformance_requests", "conformance_gauge"]);
    // The comparison is only worth something if the cases did what they say on Envoy.
    const logs = envoy.logs.map((l) => l.message);
    expect(logs).toContain("add after continue 2");
    expect(logs).toContain("read past the end 0 0/0");
    expect(logs).toContain("cas on a missing key 0");
    expect(logs).toContain("local reply headers: :status=418;x-local=1;content-length=6;content-type=text/plain eos 0");
    expect(logs).toContain("response request.path: status 1");
    expect(envoy.exchanges[1]!.response.headers).toContainEqual(["x-seen-by-sender", "1"]);
    expect(envoy.metrics.conformance_requests).toBe(9);
  });

  // Envoy fails the trapping request with a 503 under both policies; only later requests differ.
  it.each([
    ["fail-closed", 503, 503],
    ["fail-open", 503, 200],
  ] as const)("a trap with %s: the trapping request and every later one of that VM", async (policy, trapped, later) => {
    const envoy = await expectSame(plugin(PROBE, { failurePolicy: policy }), [probeCase("trap"), probeCase("headers"), probeCase("local")]);
    expect(envoy.exchanges.map((e) => e.response.status)).toEqual([trapped, later, later]);
  });

  it.each(["template.release.wasm", "template.debug.wasm"])("the template filter (%s)", async (file) => {
    const p = plugin(built(`filters/${file}`), {
      routeName: "default/api",
      configuration: JSON.stringify({ header: { name: "x-hello", value: "world" }, require: "x-api-version", routes: { "default/other": { enabled: false } } }),
    });
    await expectSame(p, [req("rejected", "/a"), req("allowed", "/b", [["x-api-version", "2"]])], ["attache_template_rejected"]);
  });

  it("the auth filter: API keys by header and by query parameter, missing and wrong keys", async () => {
    const config = {
      apiKeys: { header: "x-api-key", queryParameter: "api_key", keys: [{ name: "ci", sha256: sha256Hex("k3y-0123456789") }] },
      routes: {},
    };
    const p = plugin(built("filters/auth.release.wasm"), { routeName: "default/api", configuration: JSON.stringify(config) });
    await expectSame(p, [
      req("no credentials", "/x"),
      req("good key", "/x", [["x-api-key", "k3y-0123456789"]]),
      req("key in query", "/x?api_key=k3y-0123456789&b=1"),
      req("wrong key", "/x", [["x-api-key", "nope"]]),
    ]);
  });

  it("the rate-limit filter: allows, then limits with its response headers", async () => {
    const config = { keyBy: ["header:x-api-key"], routes: { "default/api": { requests: 2, interval: "1m", responseHeaders: true } } };
    const p = plugin(built("filters/ratelimit.release.wasm"), { routeName: "default/api", configuration: JSON.stringify(config) });
    await expectSame(p, [1, 2, 3].map((i) => req(`request ${i}`, "/r", [["x-api-key", "a"]])));
  });

  it("the canary filter: the weighted-cluster header for users and the override", async () => {
    const config = { keySources: ["header:x-user-id"], routes: { "default/api": { canaryWeight: 30 } } };
    const p = plugin(built("filters/canary.release.wasm"), { routeName: "default/api", configuration: JSON.stringify(config) });
    await expectSame(p, ["u1", "u2", "u3", "u4"].map((u) => req(u, "/c", [["x-user-id", u]])));
  });
});

// A module built with the official Rust SDK (rust/, crate proxy-wasm 0.2.2): the SDK's own
// context bookkeeping, callout dispatch by token, body buffering and panic hook meet both hosts.
describeWithTools(["envoy", "rust-wasm32", "cargo"], "host/ and Envoy 1.40 agree on a Rust SDK module", () => {
  let wasm = "";
  beforeAll(async () => {
    wasm = await buildRustModule();
  }, 15 * 60_000);

  it("headers, local reply, callout, body, properties, shared data and metrics", async () => {
    const envoy = await expectSame(plugin(wasm, { routeName: "default/rust" }), [
      probeCase("headers", [["x-replace", "old"], ["x-remove", "1"]]),
      probeCase("local"),
      probeCase("callout"),
      probeCase("body", [], { method: "POST", body: "hello rust" }),
      req("properties", "/rust/p?q=1", [["x-case", "properties"]]),
      probeCase("shared"),
      probeCase("metrics"),
    ], ["rust_requests", "rust_gauge"]);
    const logs = envoy.logs.map((l) => l.message);
    expect(logs).toContain("request body: hello rust");
    expect(logs).toContain("callout answered 200 called");
    expect(logs).toContain("xds.route_name: default/rust");
    expect(envoy.exchanges[1]!.response.status).toBe(418);
    expect(envoy.exchanges[3]!.upstream[0]!.body).toBe("replaced");
  });

  it.each([
    ["fail-closed", 503],
    ["fail-open", 200],
  ] as const)("a panic with %s: the panicking request and the next", async (policy, later) => {
    const envoy = await expectSame(plugin(wasm, { failurePolicy: policy }), [probeCase("panic"), probeCase("headers")]);
    expect(envoy.exchanges.map((e) => e.response.status)).toEqual([503, later]);
  });
});

// The Rust SDK twins of the built-in filters (bench/envoy/twins-rust: the same decisions on the
// Rust SDK, for the Envoy benchmark) with the configurations the AssemblyScript filters get above.
describeWithTools(["envoy", "rust-wasm32", "cargo"], "host/ and Envoy 1.40 agree on the Rust SDK twins of the built-in filters", () => {
  let twins: Twins["modules"];
  beforeAll(async () => {
    twins = (await buildTwins()).modules;
  }, 20 * 60_000);

  it("auth: API keys by header and by query parameter, missing and wrong keys", async () => {
    const config = { apiKeys: { header: "x-api-key", queryParameter: "api_key", keys: [{ name: "ci", sha256: sha256Hex("k3y-0123456789") }] }, routes: {} };
    const envoy = await expectSame(plugin(twins.auth, { routeName: "default/api", configuration: JSON.stringify(config) }), [
      req("no credentials", "/x"),
      req("good key", "/x", [["x-api-key", "k3y-0123456789"]]),
      req("key in query", "/x?api_key=k3y-0123456789&b=1"),
      req("wrong key", "/x", [["x-api-key", "nope"]]),
    ]);
    // The twin reads the key from the header only (it has no query-parameter source).
    expect(envoy.exchanges.map((e) => e.response.status)).toEqual([401, 200, 401, 401]);
  });

  it("ratelimit: allows, then limits with its response headers", async () => {
    const config = { keyBy: ["header:x-api-key"], routes: { "default/api": { requests: 2, interval: "1m", responseHeaders: true } } };
    const envoy = await expectSame(plugin(twins.ratelimit, { routeName: "default/api", configuration: JSON.stringify(config) }), [1, 2, 3].map((i) => req(`request ${i}`, "/r", [["x-api-key", "a"]])));
    expect(envoy.exchanges.map((e) => e.response.status)).toEqual([200, 200, 429]);
  });

  it("canary: the weighted-cluster header for users and the override", async () => {
    const config = { keySources: ["header:x-user-id"], routes: { "default/api": { canaryWeight: 30 } } };
    const envoy = await expectSame(plugin(twins.canary, { routeName: "default/api", configuration: JSON.stringify(config) }), ["u1", "u2", "u3", "u4"].map((u) => req(u, "/c", [["x-user-id", u]])));
    expect(envoy.exchanges.every((e) => e.upstream[0]!.headers.some(([k]) => k === "x-attache-canary-hash"))).toBe(true);
  });
});
