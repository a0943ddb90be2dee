// The built ratelimit filter (build/filters/ratelimit.debug.wasm) through the Node host, as
// Envoy would run it: 429 shape, refill on a fake clock, one budget shared by two VMs of one
// vm_id, the cardinality bound on shared data, CAS contention, routes and metrics.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorOptions, FakeClock, HeadersAction, HostEmulator, InProcessSharedData, encodeProperty, propertyKey, type SetSharedResult, type SharedDataStore } from "@attache/proxy-wasm-host";

// Both builds: the debug one (assertions, source map) and the optimized release one Envoy loads.
const BUILDS = ["debug", "release"].map((target) => [target, new URL(`../../build/filters/ratelimit.${target}.wasm`, import.meta.url).pathname] as const);
const ROUTE = "default/api";

const emulators: HostEmulator[] = [];
/** The build the running describe block tests (set per block in beforeEach). */
let wasmPath = "";
afterEach(() => emulators.splice(0).forEach((e) => e.dispose()));

function start(config: object, options: EmulatorOptions = new EmulatorOptions()): HostEmulator {
  const host = new HostEmulator(options.withWasm(wasmPath).withVmId("ratelimit").withPluginConfiguration(config));
  host.startPlugin();
  emulators.push(host);
  return host;
}

interface Sent { action: number; status?: number; headers: Record<string, string>; body?: string; responseHeaders: Record<string, string> }

function send(host: HostEmulator, opts: { route?: string; address?: string; headers?: Record<string, string> } = {}): Sent {
  const id = host.initializeHttpContext({ "xds.route_name": opts.route ?? ROUTE, "source.address": opts.address ?? "10.0.0.1:40000" });
  const action = host.callOnRequestHeaders(id, { ":method": "GET", ":path": "/", ...opts.headers }, true);
  const local = host.getSentLocalResponse(id);
  let responseHeaders: Record<string, string> = {};
  if (!local) {
    host.callOnResponseHeaders(id, { ":status": "200" }, true);
    responseHeaders = Object.fromEntries(host.getCurrentResponseHeaders(id));
  }
  host.completeHttpContext(id);
  return {
    action,
    status: local?.statusCode,
    headers: Object.fromEntries(local?.headers ?? []),
    body: local ? new TextDecoder().decode(local.body) : undefined,
    responseHeaders,
  };
}

const statuses = (host: HostEmulator, n: number, opts = {}) => Array.from({ length: n }, () => send(host, opts).status ?? 200);

/** The plugin name the translator gives the built-in filter, and where its route settings are. */
const PLUGIN = "attache.wasm/_builtin/ratelimit";
const SETTINGS_KEY = propertyKey(["xds", "route_metadata", "filter_metadata", "attache.wasm", PLUGIN]);
const ROUTE_NAME_KEY = propertyKey("xds.route_name");

/**
 * One request on `route`, whose metadata holds `settings` (as Envoy's stream info answers it),
 * recording every property the filter asks for in `asked`; the answer's status.
 */
function sendWithMetadata(host: HostEmulator, route: string, settings: object, asked: string[]): number {
  const answers = new Map([[SETTINGS_KEY, encodeProperty(JSON.stringify(settings))], [ROUTE_NAME_KEY, encodeProperty(route)]]);
  const id = host.initializeHttpContext({ "source.address": "10.0.0.1:40000" }, {
    get(key) { asked.push(key); return answers.get(key); },
  });
  host.callOnRequestHeaders(id, { ":method": "GET", ":path": "/" }, true);
  const status = host.getSentLocalResponse(id)?.statusCode ?? 200;
  host.completeHttpContext(id);
  return status;
}

describe.each(BUILDS)("ratelimit filter on the host (%s build)", (_target, WASM) => {
  beforeEach(() => {
    wasmPath = WASM;
  });

  it("answers 429 with Retry-After, RateLimit-* and a JSON body once the burst is spent", () => {
    const host = start({ routes: { [ROUTE]: { requests: 2, interval: "1m", burst: 2 } } });
    expect(statuses(host, 2)).toEqual([200, 200]);
    const limited = send(host);
    expect(limited.action).toBe(HeadersAction.StopIteration);
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({
      "retry-after": "30",
      "ratelimit-limit": "2",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "60",
      "content-type": "application/json",
    });
    expect(JSON.parse(limited.body!)).toEqual({ error: "rate_limited", message: "too many requests", retryAfterSeconds: 30 });
    expect(host.getCounterMetric("ratelimit_allowed")).toBe(2n);
    expect(host.getCounterMetric("ratelimit_limited")).toBe(1n);
  });

  it("refills from the clock: one token per interval/requests, up to burst", () => {
    const clock = new FakeClock();
    const host = start({ routes: { [ROUTE]: { requests: 10, interval: "1s", burst: 3 } } }, new EmulatorOptions().withClock(clock));
    expect(statuses(host, 4)).toEqual([200, 200, 200, 429]);
    clock.advance(100); // one token (100 ms per token)
    expect(statuses(host, 2)).toEqual([200, 429]);
    clock.advance(10_000); // long idle: back to burst, not more
    expect(statuses(host, 4)).toEqual([200, 200, 200, 429]);
  });

  it("shares one budget between two VMs of the same vm_id (Envoy worker threads)", () => {
    const clock = new FakeClock();
    const shared = new InProcessSharedData();
    const config = { routes: { [ROUTE]: { requests: 4, interval: "1m", keyBy: ["clientAddress"] } } };
    const worker1 = start(config, new EmulatorOptions().withClock(clock).withSharedData(shared));
    const worker2 = start(config, new EmulatorOptions().withClock(clock).withSharedData(shared));
    const both = [worker1, worker2, worker1, worker2, worker1].map((w, i) => send(w, { address: `10.0.0.1:${50000 + i}` }).status ?? 200);
    expect(both).toEqual([200, 200, 200, 200, 429]);
    expect(send(worker2, { address: "10.0.0.1:1" }).status).toBe(429);
    // Another client still has its own budget on either worker.
    expect(send(worker2, { address: "10.0.0.2:1" }).status).toBeUndefined();
  });

  it("keys by header values: different API keys get different buckets; a missing header shares one", () => {
    const host = start({ routes: { [ROUTE]: { requests: 1, interval: "1h", keyBy: ["header:x-api-key"] } } });
    expect(send(host, { headers: { "x-api-key": "a" } }).status).toBeUndefined();
    expect(send(host, { headers: { "x-api-key": "a" } }).status).toBe(429);
    expect(send(host, { headers: { "x-api-key": "b" } }).status).toBeUndefined();
    expect(send(host).status).toBeUndefined();
    expect(send(host).status).toBe(429);
  });

  it("adds RateLimit-* (and X-RateLimit-*) to allowed responses when configured", () => {
    const host = start({
      requests: 5,
      routes: { [ROUTE]: { responseHeaders: true, legacyHeaders: true }, "default/plain": {} },
    });
    expect(send(host).responseHeaders).toMatchObject({
      "ratelimit-limit": "5", "ratelimit-remaining": "4", "ratelimit-reset": "1",
      "x-ratelimit-limit": "5", "x-ratelimit-remaining": "4", "x-ratelimit-reset": "1",
    });
    expect(Object.keys(send(host, { route: "default/plain" }).responseHeaders).filter((k) => k.includes("ratelimit"))).toEqual([]);
  });

  it("replaces RateLimit-* an upstream sent (one value each, the filter's), keeping its other headers", () => {
    const host = start({ requests: 5, routes: { [ROUTE]: { responseHeaders: true } } });
    const id = host.initializeHttpContext({ "xds.route_name": ROUTE, "source.address": "10.0.0.1:1" });
    host.callOnRequestHeaders(id, { ":path": "/" }, true);
    host.callOnResponseHeaders(id, [
      [":status", "200"], ["RateLimit-Limit", "999"], ["ratelimit-remaining", "998"], ["ratelimit-limit", "997"], ["x-upstream", "kept"],
    ], true);
    const headers = host.getCurrentResponseHeaders(id);
    expect(headers.filter(([name]) => name.startsWith("ratelimit-"))).toEqual([
      ["ratelimit-limit", "5"], ["ratelimit-remaining", "4"], ["ratelimit-reset", "1"],
    ]);
    expect(headers).toContainEqual(["x-upstream", "kept"]);
  });

  it("keys by client address without its port, from the address bytes (IPv4, [IPv6]:port, bare IPv6)", () => {
    const host = start({ routes: { [ROUTE]: { requests: 1, interval: "1h", keyBy: ["clientAddress", "header:x-api-key"] } } });
    const first = (address: string, key = "k") => send(host, { address, headers: { "x-api-key": key } }).status ?? 200;
    expect([first("10.0.0.1:1"), first("10.0.0.1:2")]).toEqual([200, 429]);
    expect([first("[2001:db8::1]:443"), first("[2001:db8::1]:444"), first("2001:db8::1")]).toEqual([200, 429, 429]);
    expect([first("10.0.0.1:1", "clé-日本"), first("10.0.0.1:9", "clé-日本"), first("10.0.0.1:9", "clé-日")]).toEqual([200, 429, 200]);
  });

  it("passes routes absent from the configuration and requests without a route name", () => {
    const host = start({ routes: { [ROUTE]: { requests: 1, interval: "1h" } } });
    expect(statuses(host, 3, { route: "default/other" })).toEqual([200, 200, 200]);
    const id = host.initializeHttpContext({ "source.address": "10.0.0.1:1" });
    expect(host.callOnRequestHeaders(id, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
  });

  it("reads route metadata settings that name their route with one property read, buckets per route", () => {
    const host = start({ keyBy: ["clientAddress"] }, new EmulatorOptions().withPluginName(PLUGIN));
    const asked: string[] = [];
    const limit = (route: string) => ({ route, requests: 1, interval: "1h" });
    expect([1, 2].map(() => sendWithMetadata(host, "default/a", limit("default/a"), asked))).toEqual([200, 429]);
    expect(sendWithMetadata(host, "default/b", limit("default/b"), asked)).toBe(200);
    // Per request only the settings; the plugin's name once, for the settings' path.
    expect(asked.filter((key) => key === SETTINGS_KEY)).toHaveLength(3);
    expect(asked.filter((key) => key !== SETTINGS_KEY)).toEqual([propertyKey("plugin_name")]);
  });

  it("keeps routes apart whose metadata settings do not name them, asking for the route name", () => {
    const host = start({}, new EmulatorOptions().withPluginName(PLUGIN));
    const asked: string[] = [];
    const same = { requests: 1, interval: "1h" };
    expect([1, 2].map(() => sendWithMetadata(host, "default/a", same, asked))).toEqual([200, 429]);
    expect([1, 2].map(() => sendWithMetadata(host, "default/b", same, asked))).toEqual([200, 429]);
    expect(sendWithMetadata(host, "default/a", same, asked)).toBe(429);
    expect(asked.filter((key) => key === ROUTE_NAME_KEY).length).toBeGreaterThanOrEqual(5);
  });

  it("rejects unknown fields in route metadata settings, naming the route", () => {
    const host = start({}, new EmulatorOptions().withPluginName(PLUGIN));
    expect(sendWithMetadata(host, "default/a", { route: "default/a", requests: 1, typo: 1 }, [])).toBe(200);
    expect(host.getLogs("error").join("\n")).toMatch(/route default\/a: invalid settings in route metadata: routes\["default\/a"\]\.typo: unknown field/);
    expect(sendWithMetadata(host, "default/b", { route: 7, requests: 1 }, [])).toBe(200);
    expect(host.getLogs("error").join("\n")).toMatch(/route default\/b: invalid settings in route metadata: routes\["default\/b"\]\.route: must be a string/);
  });

  it("bounds shared data to maxKeys slots under a flood of distinct clients", () => {
    const keys = new Set<string>();
    class Recording extends InProcessSharedData {
      override setByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number, value: Uint8Array, cas: number): SetSharedResult {
        keys.add(new TextDecoder().decode(bytes.subarray(keyStart, keyStart + keyLength)));
        return super.setByBytes(vmId, bytes, keyStart, keyLength, value, cas);
      }
    }
    const host = start(
      { maxKeys: 32, routes: { [ROUTE]: { requests: 100, keyBy: ["clientAddress"] } } },
      new EmulatorOptions().withSharedData(new Recording()),
    );
    for (let i = 0; i < 2000; i++) send(host, { address: `198.51.${i >> 8}.${i & 255}:1234` });
    expect(keys.size).toBe(32);
    expect([...keys].every((k) => /^attache\.ratelimit\/([0-9]|[12][0-9]|3[01])$/.test(k))).toBe(true);
    // 2000 clients in 32 slots at the same instant: collisions were counted, not dropped.
    expect(host.getCounterMetric("ratelimit_shared_slot")).toBeGreaterThan(0n);
    expect(host.getCounterMetric("ratelimit_allowed") + host.getCounterMetric("ratelimit_limited")).toBe(2000n);
  });

  it("fails open and counts it when every CAS write conflicts", () => {
    class Contended extends InProcessSharedData {
      writes = 0;
      override setByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number, value: Uint8Array, cas: number): SetSharedResult {
        this.writes++;
        // Another worker always wins once the slot exists.
        return cas === 0 ? super.setByBytes(vmId, bytes, keyStart, keyLength, value, cas) : "cas-mismatch";
      }
    }
    const store = new Contended();
    const host = start({ routes: { [ROUTE]: { requests: 1, interval: "1h" } } }, new EmulatorOptions().withSharedData(store as SharedDataStore));
    expect(send(host).status).toBeUndefined(); // creates the slot (cas 0)
    expect(send(host).status).toBe(429); // limited: no write needed
    // A full bucket again an hour later, but the write never lands: fail open after 8 tries.
    (host.options.clock as FakeClock).advance(3_600_000);
    store.writes = 0;
    expect(send(host).status).toBeUndefined();
    expect(store.writes).toBe(8);
    expect(host.getCounterMetric("ratelimit_failed_open")).toBe(1n);
  });

  it("imports only proxy-wasm host functions (loads in Envoy: no env.abort, env.seed or WASI)", () => {
    const module = new WebAssembly.Module(readFileSync(WASM));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((name) => !/^env\.proxy_[a-z_]+$/.test(name))).toEqual([]);
  });

  it("fails onConfigure with a log line naming the bad field", () => {
    const host = new HostEmulator(new EmulatorOptions().withWasm(WASM).withPluginConfiguration({ routes: { [ROUTE]: { requests: 0 } } }));
    emulators.push(host);
    expect(() => host.startPlugin()).toThrow(/proxy_on_configure returned false/);
    expect(host.getLogs("error")).toContain(
      'ratelimit: invalid configuration: routes["default/api"].requests: must be a positive integer (at most 1000000)',
    );
  });
});
