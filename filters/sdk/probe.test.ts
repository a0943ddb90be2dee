// The SDK at run time: test/sdk_probe.wasm.ts (a filter that maps `x-probe: <op>` to SDK calls)
// built by `npm run build`, run through the Node proxy-wasm host. Each test checks what the
// SDK sent to the host, so a wrong header-map encoding, status mapping, dispatcher route or
// memory handoff fails here.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  DataAction, EmulatorOptions, HeadersAction, HostEmulator, InProcessSharedData, SharedQueueRegistry, encodeProperty, propertyKey,
} from "../../host/index.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PROBE = join(repoRoot, "build", "filters", "sdk", "test", "sdk_probe.wasm");
const REQUEST: Array<[string, string]> = [[":method", "GET"], [":path", "/p?q=1"], [":authority", "example.com"]];

const hosts: HostEmulator[] = [];
function start(configure: (options: EmulatorOptions) => EmulatorOptions = (o) => o): HostEmulator {
  const host = new HostEmulator(configure(new EmulatorOptions().withWasm(PROBE)));
  hosts.push(host);
  host.startPlugin();
  return host;
}
afterEach(() => {
  for (const host of hosts.splice(0)) host.dispose();
});

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Sends one request with `x-probe: op` and returns the stream id. */
function probe(host: HostEmulator, op: string, extra: Array<[string, string]> = [], properties: Record<string, string> = {}) {
  const id = host.initializeHttpContext(properties);
  const action = host.callOnRequestHeaders(id, [...REQUEST, ["x-probe", op], ...extra], false);
  const reply = host.getSentLocalResponse(id);
  return { id, action, reply, body: reply ? text(reply.body) : undefined };
}

const errorLogs = (host: HostEmulator) => [...host.getLogs("error"), ...host.getLogs("critical")];

describe("headers", () => {
  it("reads every pair the host serialized, in order, including UTF-8 values", () => {
    const host = start();
    const { action, body, reply } = probe(host, "headers", [["x-utf8", "Zoë ☃"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
    expect(action).toBe(HeadersAction.StopIteration);
    // byteSize: the host's serialized size of the same 7 pairs (4 + 7 * 8 + keys, values, NULs).
    const pairs = [...REQUEST, ["x-probe", "headers"], ["x-utf8", "Zoë ☃"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]];
    const serializedSize = 4 + pairs.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + Buffer.byteLength(v) + 2, 0);
    expect(body).toBe(`7/${serializedSize}\n:method=GET\n:path=/p?q=1\n:authority=example.com\nx-probe=headers\nx-utf8=Zoë ☃\nset-cookie=a=1\nset-cookie=b=2`);
    expect(reply!.statusCode).toBe(200);
    expect(reply!.headers).toEqual([["x-probe-reply", "yes"]]);
  });

  it("adds, replaces and removes single headers", () => {
    const host = start();
    const { id, action } = probe(host, "mutate", [["x-replaced", "old"], ["x-removed", "bye"]]);
    expect(action).toBe(HeadersAction.Continue);
    const headers = host.getCurrentRequestHeaders(id);
    expect(headers.filter(([k]) => k === "x-added")).toEqual([["x-added", "one"], ["x-added", "two"]]);
    expect(headers.filter(([k]) => k === "x-replaced")).toEqual([["x-replaced", "new"]]);
    expect(headers.map(([k]) => k)).not.toContain("x-removed");
    expect(errorLogs(host)).toEqual([]);
  });

  it("replaces the whole map with setAll", () => {
    const host = start();
    const { id } = probe(host, "set-all");
    expect(host.getCurrentRequestHeaders(id)).toEqual([[":method", "GET"], [":path", "/rewritten"], ["x-only", "this"]]);
  });

  it("turns a missing header into null without logging an error", () => {
    const host = start();
    expect(probe(host, "get-missing").body).toBe("null");
    expect(errorLogs(host)).toEqual([]);
  });

  it("round-trips values longer than the result scratch block and the argument slots", () => {
    const host = start();
    const long = "é".repeat(3000) + "z"; // 6,001 UTF-8 bytes: a heap block for the result, a buffer for the argument
    const { id } = probe(host, "echo", [["x-long", long], ["x-short", "short ☃"]]);
    const headers = host.getCurrentRequestHeaders(id);
    expect(headers).toContainEqual(["x-echo-long", long]);
    expect(headers).toContainEqual(["x-echo-short", "short ☃"]);
    expect(headers).toContainEqual(["x-has", "long -"]);
    expect(errorLogs(host)).toEqual([]);
  });

  it("encodes values byte for byte whatever mix of ASCII and other characters they hold", () => {
    const host = start();
    for (const value of ["", "a", "abcd", "abcdé", "abcdefgh☃", "😀", "abc😀defgh", "abcd😀", "ab\u00ffcd", "x".repeat(341), "é".repeat(341)]) {
      const { id } = probe(host, "echo", [["x-short", value]]);
      expect(host.getCurrentRequestHeaders(id)).toContainEqual(["x-echo-short", value]);
    }
  });

  it("writes numeric values in decimal with setNumber", () => {
    const host = start();
    const { id } = probe(host, "numbers");
    const headers = host.getCurrentRequestHeaders(id);
    expect(headers).toContainEqual(["x-zero", "0"]);
    expect(headers).toContainEqual(["x-number", "1234567890"]);
    expect(headers).toContainEqual(["x-max", "18446744073709551615"]);
  });

  it("reaches a long-lived stream while 300 later streams come and go (context table overflow)", () => {
    const host = start();
    const { id } = probe(host, "none");
    for (let i = 0; i < 300; i++) {
      const later = host.initializeHttpContext();
      host.callOnRequestHeaders(later, [...REQUEST], true);
      host.completeHttpContext(later);
    }
    expect(host.callOnResponseHeaders(id, [[":status", "200"]], true)).toBe(HeadersAction.Continue);
    expect(host.getCurrentResponseHeaders(id)).toContainEqual(["x-probe-response", "seen"]);
  });

  it("sets response headers in onResponseHeaders", () => {
    const host = start();
    const { id } = probe(host, "none");
    expect(host.callOnResponseHeaders(id, [[":status", "200"]], true)).toBe(HeadersAction.Continue);
    expect(host.getCurrentResponseHeaders(id)).toContainEqual(["x-probe-response", "seen"]);
  });
});

describe("local responses", () => {
  it("sends binary bodies byte for byte", () => {
    const host = start();
    const { reply } = probe(host, "bytes-reply");
    expect(reply!.statusCode).toBe(418);
    expect(reply!.details).toBe("probe_bytes");
    expect([...reply!.body]).toEqual([0, 255, 127]);
  });
});

describe("bodies", () => {
  it("buffers until end of stream, then replaces the body", () => {
    const host = start();
    const { id } = probe(host, "upper-body");
    expect(host.callOnRequestBody(id, "abc", false)).toBe(DataAction.StopIterationAndBuffer);
    expect(host.callOnRequestBody(id, "déf", true)).toBe(DataAction.Continue);
    expect(text(host.getCurrentRequestBody(id))).toBe("ABCDÉF");
  });

  it("prepends, appends and reads the length", () => {
    const host = start();
    const { id } = probe(host, "wrap-body");
    host.callOnRequestBody(id, "abc", false);
    host.callOnRequestBody(id, "def", true);
    expect(text(host.getCurrentRequestBody(id))).toBe("<abcdef>");
    expect(host.getLogs("info")).toContain("body length 8, seen <abcdef>");
  });
});

describe("properties", () => {
  it("reads xds.route_name and source.address, null when absent", () => {
    const host = start((o) => o.withProperty(["source", "address"], "10.1.2.3:4567"));
    expect(probe(host, "route", [], { "xds.route_name": "ns/api" }).body).toBe("ns/api 10.1.2.3:4567");
    expect(probe(host, "property", [["x-path", "no.such.property"]]).body).toBe("(null)");
    expect(errorLogs(host)).toEqual([]);
  });

  it("finds per-route settings by the route name's bytes (RouteMap)", () => {
    const host = start();
    const settingsFor = (route: string) => probe(host, "route-map", [], { "xds.route_name": route }).body;
    expect(settingsFor("ns/route-7")).toBe("settings 7 for ns/route-7 of 12");
    expect(settingsFor("ns/route-3")).toBe("settings 3, replaced for ns/route-3 of 12");
    expect(settingsFor("ns/café")).toBe("settings café for ns/café of 12");
    expect(settingsFor("")).toBe("settings of the empty name for  of 12");
    expect(settingsFor("ns/route-77")).toBe("(none) for ns/route-77 of 12");
    expect(settingsFor("ns/route-")).toBe("(none) for ns/route- of 12");
    expect(probe(host, "route-map").body).toBe("(none) for (no route) of 12");
    expect(errorLogs(host)).toEqual([]);
  });

  describe("route settings in route metadata (RouteMap.readRouteMetadata)", () => {
    const SETTINGS = propertyKey(["xds", "route_metadata", "filter_metadata", "attache.wasm", "probe"]);
    const ROUTE_NAME = propertyKey("xds.route_name");
    /** One request on `route` whose metadata holds `settings`; the reply and the properties the SDK asked for. */
    const onRoute = (host: HostEmulator, op: string, route: string, settings: object | null) => {
      const answers = new Map([[ROUTE_NAME, encodeProperty(route)]]);
      if (settings) answers.set(SETTINGS, encodeProperty(JSON.stringify(settings)));
      const asked: string[] = [];
      const id = host.initializeHttpContext({}, { get(key) { asked.push(key); return answers.get(key); } });
      host.callOnRequestHeaders(id, [...REQUEST, ["x-probe", op]], false);
      const reply = host.getSentLocalResponse(id);
      return { body: reply ? text(reply.body) : undefined, asked: asked.filter((key) => key !== propertyKey("plugin_name")) };
    };
    const withPlugin = () => start((o) => o.withPluginName("probe"));

    it("finds the settings with one property read per request, parsed once per text, never asking for the route name when they name it", () => {
      const host = withPlugin();
      const a = onRoute(host, "route-metadata", "ns/a", { route: "ns/a", value: "x" });
      expect(a).toEqual({ body: "x parsed for ns/a (#1)", asked: [SETTINGS] });
      expect(onRoute(host, "route-metadata", "ns/a", { route: "ns/a", value: "x" })).toEqual(a);
      expect(onRoute(host, "route-metadata", "ns/b", { route: "ns/b", value: "x" })).toEqual({ body: "x parsed for ns/b (#2)", asked: [SETTINGS] });
      expect(onRoute(host, "route-metadata", "ns/c", null)).toEqual({ body: "(none)", asked: [SETTINGS] });
      expect(errorLogs(host)).toEqual([]);
    });

    it("shares one parse between routes with the same text; asks for the route name only when parsing a text that does not name it", () => {
      const host = withPlugin();
      expect(onRoute(host, "route-metadata", "ns/a", { value: "y" })).toEqual({ body: "y parsed for ns/a (#1)", asked: [SETTINGS, ROUTE_NAME] });
      expect(onRoute(host, "route-metadata", "ns/a", { value: "y" })).toEqual({ body: "y parsed for ns/a (#1)", asked: [SETTINGS] });
      expect(onRoute(host, "route-metadata", "ns/b", { value: "y" })).toEqual({ body: "y parsed for ns/a (#1)", asked: [SETTINGS] });
    });

    it("keeps routes apart for a resolver whose value depends on the route name, when the text does not name the route", () => {
      const host = withPlugin();
      expect(onRoute(host, "route-metadata-per-route", "ns/a", { value: "z" }).body).toBe("z parsed for ns/a (#1)");
      expect(onRoute(host, "route-metadata-per-route", "ns/b", { value: "z" }).body).toBe("z parsed for ns/b (#2)");
      const again = onRoute(host, "route-metadata-per-route", "ns/a", { value: "z" });
      expect(again).toEqual({ body: "z parsed for ns/a (#1)", asked: [SETTINGS, ROUTE_NAME] });
      // Named in the text: one read, one parse per text.
      expect(onRoute(host, "route-metadata-per-route", "ns/a", { route: "ns/a", value: "z" })).toEqual({ body: "z parsed for ns/a (#3)", asked: [SETTINGS] });
    });

    it("reads the route name first when the configuration lists routes, and its entry wins over metadata", () => {
      const host = withPlugin();
      expect(onRoute(host, "route-map", "ns/route-1", { value: "m" }).body).toBe("settings 1 for ns/route-1 of 12");
      expect(onRoute(host, "route-map", "ns/other", { value: "m" }).body).toBe("m parsed for ns/other (#1) for ns/other of 12");
    });
  });

  it("reads request and plugin properties the host derives", () => {
    const host = start((o) => o.withVmId("vm-7").withRootId("").withPluginName("probe-plugin"));
    expect(probe(host, "request-properties").body).toMatch(/^\/p\?q=1 \/p GET example\.com /);
    expect(probe(host, "plugin-properties").body).toBe("probe-plugin  vm-7");
  });
});

describe("root context dispatch", () => {
  it("creates the root registered for plugin_root_id, else the default one", () => {
    expect(probe(start((o) => o.withRootId("sdk-probe-strict")), "headers").body).toBe("strict root");
    expect(probe(start((o) => o.withRootId("unregistered-id")), "get-missing").body).toBe("null");
  });

  it("fails VM start, with a critical log, for a root id nobody registered and no default", () => {
    const named = join(repoRoot, "build", "filters", "sdk", "test", "named_root_probe.wasm");
    const ok = new HostEmulator(new EmulatorOptions().withWasm(named).withRootId("only-this"));
    const missing = new HostEmulator(new EmulatorOptions().withWasm(named).withRootId("something-else"));
    hosts.push(ok, missing);
    ok.startPlugin();
    expect(() => missing.startPlugin()).toThrow(/proxy_on_vm_start/);
    expect(missing.getLogs("critical")).toEqual([
      "proxy-wasm sdk: no root context registered for root id 'something-else' and no default; call registerRootContext in the filter's index.ts",
    ]);
  });

  it("fails the plugin when onConfigure returns false", () => {
    const host = new HostEmulator(new EmulatorOptions().withWasm(PROBE).withPluginConfiguration("fail"));
    hosts.push(host);
    expect(() => host.startPlugin()).toThrow(/proxy_on_configure/);
  });
});

describe("shared data", () => {
  it("surfaces a CAS conflict between two VMs of one vm_id as a value", () => {
    const store = new InProcessSharedData();
    const a = start((o) => o.withVmId("rl").withSharedData(store));
    const b = start((o) => o.withVmId("rl").withSharedData(store));
    expect(probe(a, "shared-get", [["x-key", "bucket"]]).body).toBe("(null)");
    expect(probe(a, "shared-set", [["x-key", "bucket"], ["x-value", "10"]]).body).toBe("Ok");
    const [value, cas] = probe(b, "shared-get", [["x-key", "bucket"]]).body!.split("|");
    expect(value).toBe("10");
    expect(Number(cas)).toBeGreaterThan(0);
    expect(probe(b, "shared-set", [["x-key", "bucket"], ["x-value", "9"], ["x-cas", cas]]).body).toBe("Ok");
    // a still holds the old cas: its write must lose, not overwrite.
    expect(probe(a, "shared-set", [["x-key", "bucket"], ["x-value", "8"], ["x-cas", cas]]).body).toBe("CasMismatch");
    expect(probe(a, "shared-get", [["x-key", "bucket"]]).body!.split("|")[0]).toBe("9");
    expect(errorLogs(a)).toEqual([]);
  });

  it("builds numbered keys (prefix + decimal) without making strings", () => {
    const host = start();
    const longPrefix = "p".repeat(400); // too long for the key slot with 20 digits: the fallback
    for (const [prefix, n] of [["slot/", "0"], ["attache.ratelimit/", "999999"], ["é/", "18446744073709551615"], [longPrefix, "42"]]) {
      expect(probe(host, "shared-numbered", [["x-prefix", prefix!], ["x-n", n!], ["x-value", `v${n}`]]).body).toBe(`Ok v${n}`);
      expect(text(host.getSharedData(`${prefix}${n}`)?.value)).toBe(`v${n}`);
    }
  });

  it("reads a value in place with its cas (borrowSharedData)", () => {
    const host = start();
    expect(probe(host, "shared-borrow", [["x-key", "k"]]).body).toBe("(null)");
    expect(probe(host, "shared-set", [["x-key", "k"], ["x-value", "Zoë"]]).body).toBe("Ok");
    const [value, cas] = probe(host, "shared-get", [["x-key", "k"]]).body!.split("|");
    expect(probe(host, "shared-borrow", [["x-key", "k"]]).body).toBe(`${value}|${cas}`);
    expect(value).toBe("Zoë");
  });
});

describe("shared queues", () => {
  it("delivers enqueued messages to the registering root's onQueueReady", async () => {
    const queues = new SharedQueueRegistry();
    const host = start((o) => o.withVmId("q").withSharedQueues(queues));
    expect(probe(host, "enqueue", [["x-vm-id", "q"], ["x-message", "hello"]]).body).toBe("queued");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(host.getLogs("info").some((line) => /^probe queue \d+: hello$/.test(line))).toBe(true);
    expect(probe(host, "enqueue", [["x-vm-id", "other-vm"], ["x-message", "lost"]]).body).toBe("no queue");
  });
});

describe("metrics", () => {
  it("defines, increments, records and reads counters, gauges and histograms", () => {
    const host = start();
    probe(host, "none");
    const { body } = probe(host, "metrics");
    expect(body).toBe("2 6");
    expect(host.getCounterMetric("probe_requests")).toBe(2n);
    expect(host.getGaugeMetric("probe_in_flight")).toBe(6n);
    expect(host.getHistogramMetric("probe_header_count")).toEqual([4n, 4n]);
  });
});

describe("HTTP callouts", () => {
  it("sends the request and routes the answer to the per-call callback on the calling stream", () => {
    const host = start();
    const first = probe(host, "callout", [["x-cluster", "auth"], ["x-user", "u1"]]);
    const second = probe(host, "callout", [["x-cluster", "auth"], ["x-user", "u2"]]);
    expect(first.action).toBe(HeadersAction.StopIteration);
    const callouts = host.getHttpCallouts();
    expect(callouts).toHaveLength(2);
    expect(callouts[0].upstream).toBe("auth");
    expect(callouts[0].headers).toEqual([[":method", "POST"], [":path", "/check"], [":authority", "auth.local"], ["x-user", "u1"]]);
    expect(text(callouts[0].body)).toBe("probe-body");
    expect(callouts[0].timeoutMs).toBe(500);
    // Answer the second call first: each answer must reach its own stream.
    host.callOnHttpCallResponse(callouts[1].token, [[":status", "200"], ["x-echo", "e2"]], "ok-2");
    host.callOnHttpCallResponse(callouts[0].token, [[":status", "200"], ["x-echo", "e1"]], "ok-1");
    const firstHeaders = host.getCurrentRequestHeaders(first.id);
    expect(firstHeaders).toContainEqual(["x-callout-body", "ok-1"]);
    expect(firstHeaders).toContainEqual(["x-callout-echo", "e1"]);
    expect(firstHeaders).toContainEqual(["x-callout-context", String(first.id)]);
    expect(host.getCurrentRequestHeaders(second.id)).toContainEqual(["x-callout-body", "ok-2"]);
    expect(host.getStreamEvents(first.id)).toEqual([{ event: "continue", streamType: 0 }]);
  });

  it("relays a denial and reports a failed call", () => {
    const host = start();
    const denied = probe(host, "callout", [["x-cluster", "auth"]]);
    const failed = probe(host, "callout", [["x-cluster", "auth"]]);
    const [deniedCall, failedCall] = host.getHttpCallouts();
    host.callOnHttpCallResponse(deniedCall.token, [[":status", "403"]], "go away");
    host.callOnHttpCallResponse(failedCall.token, []);
    expect(host.getSentLocalResponse(denied.id)!.statusCode).toBe(403);
    expect(text(host.getSentLocalResponse(denied.id)!.body)).toBe("go away");
    expect(host.getSentLocalResponse(failed.id)!.statusCode).toBe(503);
  });

  it("calls the context's onHttpCallResponse when no callback was given", () => {
    const host = start();
    const { id, action } = probe(host, "callout-method", [["x-cluster", "auth"]]);
    expect(action).toBe(HeadersAction.StopIteration);
    const [call] = host.getHttpCallouts();
    host.callOnHttpCallResponse(call.token, [[":status", "204"], ["x-a", "1"]], "12345");
    expect(text(host.getSentLocalResponse(id)!.body)).toBe(`method ${call.token} 2 5 0`);
  });

  it("returns BadArgument for an unknown upstream instead of trapping", () => {
    const host = start((o) => o.withUpstreams(["auth"]));
    expect(probe(host, "callout", [["x-cluster", "nope"]]).body).toBe("dispatch failed: BadArgument");
    expect(errorLogs(host)).toEqual([]);
  });
});

describe("timers, clock and log level", () => {
  it("ticks the root context at the period it set", () => {
    const host = start((o) => o.withPluginConfiguration("100"));
    expect(host.getTickPeriod()).toBe(100);
    expect(host.advanceTime(350)).toBe(3);
    expect(host.getCounterMetric("probe_ticks")).toBe(3n);
  });

  it("reads the host clock and log level", () => {
    const host = start((o) => o.withLogLevel("warn"));
    expect(probe(host, "time").body).toBe("1704067200000000000");
    expect(probe(host, "clock-ms").body).toBe("1704067200000");
    expect(probe(host, "log-level").body).toBe("3");
  });
});

describe("foreign functions and gRPC", () => {
  it("calls a host foreign function and gets null for an unknown one", () => {
    const host = start((o) => o.withForeignFunction("echo", (args) => new TextEncoder().encode(`echo:${text(args)}`)));
    expect(probe(host, "foreign", [["x-function", "echo"]]).body).toBe("echo:args");
    expect(probe(host, "foreign", [["x-function", "missing"]]).body).toBe("(null)");
  });

  it("stops asking for a foreign function the host does not have (ForeignFunction)", () => {
    const host = start();
    expect(probe(host, "foreign-missing").body).toBe("null null missing");
    expect(errorLogs(host)).toEqual([]);
  });

  it("starts a gRPC call with serialized metadata", () => {
    const host = start();
    const { body } = probe(host, "grpc", [["x-cluster", "grpc-backend"]]);
    expect(body).toMatch(/^grpc token \d+$/);
    const [call] = host.getGrpcCalls();
    expect(call.upstream).toBe("grpc-backend");
    expect(call.service).toBe("probe.Check");
    expect(call.method).toBe("Run");
    expect(call.initialMetadata).toEqual([["x-md", "1"]]);
    expect(text(call.messages[0])).toBe("msg");
  });

  it("delivers a call's answers to the stream that made it, though Envoy answers on the root", () => {
    const host = start((o) => o.withLogLevel("info"));
    const { id } = probe(host, "grpc", [["x-cluster", "grpc-backend"]]);
    const [call] = host.getGrpcCalls();
    host.callOnGrpcReceive(call.token, new TextEncoder().encode("pong"));
    host.callOnGrpcClose(call.token, 0);
    expect(host.getLogs("info")).toEqual(expect.arrayContaining([`grpc message on ${id}: pong`, `grpc close on ${id}: 0`]));
    expect(errorLogs(host)).toEqual([]);
  });

  it("sends the answers of a deleted stream's call to the root context instead", () => {
    const host = start((o) => o.withLogLevel("info"));
    const { id } = probe(host, "grpc", [["x-cluster", "grpc-backend"]]);
    const [call] = host.getGrpcCalls();
    host.completeHttpContext(id);
    host.callOnGrpcReceive(call.token, new TextEncoder().encode("late"));
    expect(host.getLogs("info").filter((line) => line.startsWith("grpc "))).toEqual([]);
    expect(errorLogs(host)).toEqual([]);
  });
});

describe("abort", () => {
  it("logs the AssemblyScript error at critical level and traps the VM", () => {
    const host = start();
    probe(host, "trap");
    const failures = host.getFailures();
    expect(failures).toHaveLength(1);
    expect(host.getLogs("critical").some((line) => /^wasm abort: Index out of range at ~lib\/array\.ts:\d+:\d+$/.test(line))).toBe(true);
    expect(failures[0].message).toMatch(/wasm abort: Index out of range/);
  });
});
