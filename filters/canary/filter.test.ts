// The built canary filter (build/filters/canary.debug.wasm) through the Node host: the header
// Envoy's WeightedCluster.header_name reads, stickiness across VMs, ramp monotonicity (Envoy's
// selection computed here from the written values), the sticky cookie only when needed, the
// override header, metrics and configuration failure.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorOptions, HeadersAction, HostEmulator } from "@attache/proxy-wasm-host";

// Both builds: the debug one (assertions, source map) and the optimized release one Envoy loads.
const BUILDS = ["debug", "release"].map((target) => [target, new URL(`../../build/filters/canary.${target}.wasm`, import.meta.url).pathname] as const);
const ROUTE = "default/web";
const HASH = "x-attache-canary-hash";

const emulators: HostEmulator[] = [];
/** The build the running describe block tests (set per block in beforeEach). */
let wasmPath = "";
afterEach(() => emulators.splice(0).forEach((e) => e.dispose()));

function start(config: object, options = new EmulatorOptions()): HostEmulator {
  const host = new HostEmulator(options.withWasm(wasmPath).withVmId("canary").withPluginConfiguration(config));
  host.startPlugin();
  emulators.push(host);
  return host;
}

interface Result { action: number; hash?: string; setCookie: string[] }

function send(host: HostEmulator, headers: Record<string, string> = {}, opts: { route?: string; address?: string; requestId?: string } = {}): Result {
  const id = host.initializeHttpContext({ "xds.route_name": opts.route ?? ROUTE, "source.address": opts.address ?? "10.0.0.1:40000" });
  const action = host.callOnRequestHeaders(id, { ":method": "GET", ":path": "/", "x-request-id": opts.requestId ?? `req-${id}`, ...headers }, true);
  const hash = host.getCurrentRequestHeaders(id).find(([k]) => k === HASH)?.[1];
  host.callOnResponseHeaders(id, { ":status": "200", "set-cookie": "upstream=1" }, true);
  const setCookie = host.getCurrentResponseHeaders(id).filter(([k, v]) => k === "set-cookie" && v !== "upstream=1").map(([, v]) => v);
  host.completeHttpContext(id);
  return { action, hash, setCookie };
}

/** Envoy: value % total against cumulative weights, canary listed first. */
const envoyPicksCanary = (hash: string, canaryWeight: number, total = 100) => BigInt(hash) % BigInt(total) < BigInt(canaryWeight);

const config = (canaryWeight: number, extra: object = {}) => ({
  keySources: ["header:x-user-id", "cookie:attache-canary", "clientAddress"],
  routes: { [ROUTE]: { canaryWeight } },
  ...extra,
});

describe.each(BUILDS)("canary filter on the host (%s build)", (_target, WASM) => {
  beforeEach(() => {
    wasmPath = WASM;
  });

  it("writes an unsigned decimal hash header and continues", () => {
    const host = start(config(10));
    const result = send(host, { "x-user-id": "alice" });
    expect(result.action).toBe(HeadersAction.Continue);
    expect(result.hash).toMatch(/^\d{1,20}$/);
    expect(BigInt(result.hash!)).toBeLessThan(1n << 64n);
  });

  it("is sticky: the same key gets the same value on every request and on another VM", () => {
    const worker1 = start(config(10));
    const worker2 = start(config(10));
    for (const user of ["alice", "bob", "carol"]) {
      const values = new Set([worker1, worker2, worker1, worker2].map((w) => send(w, { "x-user-id": user }).hash));
      expect(values.size).toBe(1);
    }
    // Client address keys ignore the port (new connections keep their side).
    const byAddress = new Set([40001, 40002, 51000].map((port, i) => send(i % 2 ? worker2 : worker1, {}, { address: `192.0.2.9:${port}` }).hash));
    expect(byAddress.size).toBe(1);
  });

  it("only adds canary users when the weight ramps from 10 to 20", () => {
    const at10 = start(config(10));
    const at20 = start(config(20));
    let movedOut = 0;
    let added = 0;
    for (let i = 0; i < 400; i++) {
      const before = send(at10, { "x-user-id": `user-${i}` }).hash!;
      const after = send(at20, { "x-user-id": `user-${i}` }).hash!;
      expect(after).toBe(before); // the value never depends on the weights
      if (envoyPicksCanary(before, 10) && !envoyPicksCanary(after, 20)) movedOut++;
      if (!envoyPicksCanary(before, 10) && envoyPicksCanary(after, 20)) added++;
    }
    expect(movedOut).toBe(0);
    expect(added).toBeGreaterThan(0);
    expect(at10.getCounterMetric("canary_assigned_canary") + at10.getCounterMetric("canary_assigned_primary")).toBe(400n);
  });

  it("sets the sticky cookie only when no source has a key, and the cookie keeps the side", () => {
    const host = start({
      keySources: ["header:x-user-id", "cookie:attache-canary"],
      stickyCookie: { name: "attache-canary", maxAgeSeconds: 600, secure: true },
      routes: { [ROUTE]: { canaryWeight: 50 } },
    });
    const first = send(host, {}, { requestId: "9f1c2a4e-0b1d-4c55-8e0f-4d9a2b7c1e33" });
    expect(first.setCookie).toHaveLength(1);
    const match = /^attache-canary=([0-9a-f]{32}); Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/.exec(first.setCookie[0]!);
    expect(match, first.setCookie[0]).not.toBeNull();
    const returning = send(host, { cookie: `theme=dark; attache-canary=${match![1]}` });
    expect(returning.hash).toBe(first.hash);
    expect(returning.setCookie).toEqual([]);
    expect(send(host, { "x-user-id": "alice" }).setCookie).toEqual([]);
    // Two first-time visitors get different ids.
    const other = send(host, {}, { requestId: "0c7b3f7e-9a41-4f0e-a3a4-3b6d2f5e8c11" });
    expect(other.setCookie[0]).not.toBe(first.setCookie[0]);
  });

  it("removes a client-sent hash header when there is no key and no sticky cookie", () => {
    const host = start({ keySources: ["header:x-user-id"], routes: { [ROUTE]: { canaryWeight: 10 } } });
    const result = send(host, { [HASH]: "0" });
    expect(result.hash).toBeUndefined();
    expect(result.setCookie).toEqual([]);
    expect(host.getCounterMetric("canary_unassigned")).toBe(1n);
  });

  it("overwrites a client-sent hash header with the user's own value", () => {
    const host = start(config(10));
    const honest = send(host, { "x-user-id": "mallory" }).hash;
    expect(send(host, { "x-user-id": "mallory", [HASH]: "0" }).hash).toBe(honest);
  });

  it("honours x-canary: always -> 0 (canary), never -> 99 (primary), and counts overrides", () => {
    const host = start(config(10));
    const always = send(host, { "x-canary": "always", "x-user-id": "a" }).hash!;
    const never = send(host, { "x-canary": "never", "x-user-id": "a" }).hash!;
    expect(always).toBe("0");
    expect(never).toBe("99");
    expect(envoyPicksCanary(always, 10)).toBe(true);
    expect(envoyPicksCanary(never, 10)).toBe(false);
    expect(envoyPicksCanary(never, 99)).toBe(false);
    expect(host.getCounterMetric("canary_override")).toBe(2n);
    expect(host.getCounterMetric("canary_assigned_canary")).toBe(1n);
    expect(host.getCounterMetric("canary_assigned_primary")).toBe(1n);
  });

  it("writes the configured hashHeader, with per-route totalWeight for the never override", () => {
    const host = start({
      hashHeader: "x-split",
      routes: { [ROUTE]: { canaryWeight: 5, totalWeight: 1000 } },
    });
    const id = host.initializeHttpContext({ "xds.route_name": ROUTE, "source.address": "10.0.0.1:1" });
    host.callOnRequestHeaders(id, { ":path": "/", "x-canary": "never" }, true);
    const headers = Object.fromEntries(host.getCurrentRequestHeaders(id));
    expect(headers["x-split"]).toBe("999");
    expect(headers[HASH]).toBeUndefined();
  });

  it("leaves routes absent from the configuration untouched", () => {
    const host = start(config(10));
    const result = send(host, { "x-user-id": "a", [HASH]: "7" }, { route: "default/other" });
    expect(result.hash).toBe("7");
  });

  it("imports only proxy-wasm host functions (loads in Envoy: no env.abort, env.seed or WASI)", () => {
    const module = new WebAssembly.Module(readFileSync(WASM));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((name) => !/^env\.proxy_[a-z_]+$/.test(name))).toEqual([]);
  });

  it("fails onConfigure with a log line naming the bad field", () => {
    const host = new HostEmulator(new EmulatorOptions().withWasm(WASM).withPluginConfiguration({ routes: { [ROUTE]: { canaryWeight: 120 } } }));
    emulators.push(host);
    expect(() => host.startPlugin()).toThrow(/proxy_on_configure returned false/);
    expect(host.getLogs("error")).toEqual([
      'canary: invalid configuration: routes["default/web"].canaryWeight: must not exceed totalWeight (100)',
    ]);
  });
});
