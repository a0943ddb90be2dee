// A filter VM lives as long as its plugin configuration (hours, millions of requests), so what
// one request allocates must be given back: garbage collected (gc.ts), host results released
// from the scratch block or the heap (memory.ts), long arguments encoded into buffers that are
// dropped again (args.ts), stream contexts forgotten (context_table.ts). Each built-in filter
// here serves 200,000 varied requests through the Node host — the per-request path the local
// data plane takes — covering its allocating branches (local replies, sticky cookies, 429s,
// values too long for the scratch areas), and its linear memory must not grow after the first
// 20,000.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  HeadersAction, LogLevel, ProxyWasmPlugin, encodeProperty, loadProxyWasmFile, propertyKey, type HeaderPairs,
} from "../../host/index.ts";

const WARM_UP = 20_000;
const REQUESTS = 200_000;
/** Longer than the 4 KiB result scratch block and the 1 KiB argument slots. */
const LONG = "v".repeat(5000);

interface Workload {
  filter: string;
  configuration: object;
  /** Request headers and client address of the i-th request. */
  request(i: number): { headers: HeaderPairs; address: string };
  response?: HeaderPairs;
  /** What the last request must still get, proving the VM kept working. */
  check(i: number, action: number, local: number | null, requestHeaders: HeaderPairs, responseHeaders: HeaderPairs): void;
}

const header = (headers: HeaderPairs, name: string) => headers.find(([k]) => k === name)?.[1];

const workloads: Workload[] = [
  {
    filter: "template",
    configuration: { header: { name: "x-hello", value: "world" }, require: "x-api-version", routes: { "default/long": { header: { name: "x-long", value: LONG } } } },
    request: (i) => ({
      // Every 7th request lacks the required header (400 with a JSON body); every 5th carries a
      // value longer than the scratch block.
      headers: [[":path", `/items/${i}`], ...(i % 7 === 0 ? [] : [["x-api-version", i % 5 === 0 ? LONG : String(i)] as [string, string]])],
      address: "10.0.0.1:1000",
    }),
    check(i, action, local, requestHeaders) {
      expect(i % 7).not.toBe(0);
      expect(action).toBe(HeadersAction.Continue);
      expect(local).toBeNull();
      expect(header(requestHeaders, "x-hello")).toBe("world");
    },
  },
  {
    filter: "canary",
    configuration: {
      keySources: ["header:x-user-id", "cookie:attache-canary"],
      stickyCookie: { name: "attache-canary" },
      routes: { "default/api": { canaryWeight: 10 } },
    },
    request: (i) => ({
      // Users come and go; every 3rd request has no key (a new id and a Set-Cookie), every 11th
      // asks for the canary, every 13th has a key longer than the scratch block.
      headers: [
        [":path", "/"],
        ...(i % 3 === 0 ? [] : [["x-user-id", i % 13 === 0 ? LONG + i : `user-${i}`] as [string, string]]),
        ...(i % 11 === 0 ? [["x-canary", "always"] as [string, string]] : []),
      ],
      address: `10.0.${i % 250}.${i % 199}:${1024 + (i % 50_000)}`,
    }),
    response: [[":status", "200"]],
    check(i, action, local, requestHeaders) {
      expect(action).toBe(HeadersAction.Continue);
      expect(header(requestHeaders, "x-attache-canary-hash")).toMatch(/^\d+$/);
    },
  },
  {
    filter: "ratelimit",
    configuration: {
      keyBy: ["clientAddress", "header:x-api-key"],
      maxKeys: 1000,
      routes: { "default/api": { requests: 2, interval: "1h", responseHeaders: true, legacyHeaders: true } },
    },
    request: (i) => ({
      // 5,000 keys (each used 40 times) in 1,000 slots, each allowed twice an hour: most get a 429.
      headers: [[":path", "/"], ["x-api-key", i % 17 === 0 ? LONG : `key-${i % 5000}`]],
      address: `10.1.${i % 50}.7:${2000 + (i % 1000)}`,
    }),
    response: [[":status", "200"]],
    check(i, action, local) {
      // The last key was used 40 times within the hour: limited.
      expect(local).toBe(429);
      expect(action).toBe(HeadersAction.StopIteration);
    },
  },
];

describe("linear memory stays bounded over 200,000 requests", () => {
  it.each(workloads)("$filter", (workload) => {
    const wasm = fileURLToPath(new URL(`../../build/filters/${workload.filter}.release.wasm`, import.meta.url));
    const configuration = new TextEncoder().encode(JSON.stringify(workload.configuration));
    const properties = new Map([[propertyKey("xds.route_name"), encodeProperty("default/api")]]);
    const plugin = new ProxyWasmPlugin(loadProxyWasmFile(wasm), { rootId: workload.filter, configuration, vm: { properties, logLevel: LogLevel.Warn } });
    plugin.start();
    const { dispatcher, root, vm } = plugin.healthy();
    const addressKey = propertyKey("source.address");
    const routeKey = propertyKey("xds.route_name");

    let last = { action: -1, local: null as number | null, request: [] as HeaderPairs, response: [] as HeaderPairs };
    const serve = (i: number) => {
      const { headers, address } = workload.request(i);
      const stream = dispatcher.createHttpStream(root);
      stream.properties.set(addressKey, encodeProperty(address));
      // Every 4th request goes to a route with its own settings (the template's long header).
      if (i % 4 === 0) stream.properties.set(routeKey, encodeProperty("default/long"));
      const action = dispatcher.requestHeaders(stream, headers, true);
      if (workload.response && !stream.localResponse) dispatcher.responseHeaders(stream, workload.response, true);
      last = { action, local: stream.localResponse?.statusCode ?? null, request: stream.requestHeaders ?? [], response: stream.responseHeaders ?? [] };
      dispatcher.completeStream(stream);
    };

    for (let i = 0; i < WARM_UP; i++) serve(i);
    const afterWarmUp = vm.linearMemory.buffer.byteLength;
    for (let i = WARM_UP; i < REQUESTS; i++) serve(i);
    expect(vm.failure).toBeNull();
    expect(vm.linearMemory.buffer.byteLength).toBe(afterWarmUp);
    // Still answering correctly after all of it (request 199,999 is on the default route).
    workload.check(REQUESTS - 1, last.action, last.local, last.request, last.response);
    plugin.dispose();
  }, 120_000);
});
