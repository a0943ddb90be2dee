// WasmHttpFilter, the data plane's adapter from the filter chain to host/, driven with the ABI
// probe module (host/testdata/abi-probe.wasm.ts): what the chain sees of a module's header
// edits, its local replies and the request attributes it reads.
import { describe, expect, it } from "vitest";
import { Probe, probeOptions } from "../../host/testdata/probe.ts";
import type { HeaderPairs, RequestInfo } from "../proxy/filters.ts";
import { WasmHttpFilter } from "./http-filter.ts";

const info = (): RequestInfo => ({
  routeName: "default/echo", routeMetadata: new Map(), sourceAddress: "10.0.0.7:41000", sourcePort: 41000, requestId: "req-1",
  method: "GET", path: "/echo", host: "example.test", protocol: "HTTP/1.1",
  connection: { id: 4294967297, localAddress: "10.0.0.1", localPort: 8443, tls: { serverName: "example.test", version: "TLSv1.3", peerCertificate: false } },
  virtualHostName: "attache/default", stream: { cluster: "default/echo:80" },
});

/** proxy_get_property of `path` (NUL-joined) inside stream `id`, through the probe's trampoline. */
function readProperty(probe: Probe, id: number, path: string): string | undefined {
  const [rp, rl] = probe.slots(2);
  const [p, l] = probe.put(path);
  return probe.call("proxy_get_property", id, p, l, rp, rl) === 0 ? probe.returnedText(rp, rl) : undefined;
}

describe("WasmHttpFilter (devproxy adapter to the host)", () => {
  it("puts the module's header edits into the chain's own lists, on the request and the response", () => {
    const probe = new Probe();
    const filter = new WasmHttpFilter(probe.host.plugin, "fail-closed", info(), undefined);
    const request: HeaderPairs = [["host", "example.test"], ["x-one", "1"]];
    expect(filter.onRequestHeaders(request, true)).toEqual({ kind: "continue" });
    expect(request).toEqual([["host", "example.test"], ["x-one", "1"], ["x-probe-seen", "2"]]);
    const response: HeaderPairs = [[":status", "200"], ["content-type", "text/plain"]];
    expect(filter.onResponseHeaders(response, false)).toEqual({ kind: "continue" });
    expect(response).toEqual([[":status", "200"], ["content-type", "text/plain"], ["x-probe-response", "1"]]);
    filter.onDone();
  });

  it("turns a local response into the chain's reply, with a content type for its body", () => {
    const probe = new Probe();
    const filter = new WasmHttpFilter(probe.host.plugin, "fail-closed", info(), undefined);
    const result = filter.onRequestHeaders([["x-probe", "local"]], true);
    expect(result).toMatchObject({ kind: "reply", reply: { status: 403, headers: [["x-probe-reason", "test"], ["content-type", "text/plain"]] } });
    expect(String((result as { reply: { body: Buffer } }).reply.body)).toBe("denied");
    // The chain then sends the reply back through this filter's response phase, as Envoy does.
    const reply: HeaderPairs = [[":status", "403"], ["x-probe-reason", "test"]];
    expect(filter.onResponseHeaders(reply, false)).toEqual({ kind: "continue" });
    expect(reply).toContainEqual(["x-probe-response", "1"]);
    filter.onDone();
  });

  it.each([
    ["fail-closed", { kind: "reply", reply: { status: 503, body: "" } }],
    ["fail-open", { kind: "continue" }],
  ] as const)("answers the trapping request 503 and applies the %s policy to every later request of the failed VM", (policy, answer) => {
    const probe = new Probe(probeOptions().withFailurePolicy(policy));
    const plugin = probe.host.plugin;
    const trapping = new WasmHttpFilter(plugin, policy, info(), undefined);
    expect(trapping.onRequestHeaders([["x-probe", "trap"]], true)).toMatchObject({ kind: "reply", reply: { status: 503, body: "" } });
    trapping.onDone();
    expect(plugin.failures).toHaveLength(1);
    const next: HeaderPairs = [];
    const later = new WasmHttpFilter(plugin, policy, info(), undefined);
    expect(later.onRequestHeaders(next, true)).toMatchObject(answer);
    expect(next).toEqual([]);
    later.onDone();
    expect(plugin.generation).toBe(1);
  });

  it("gives every filter of a request the request's attributes, encoded once and shared", () => {
    const probe = new Probe();
    const request = info();
    const first = new WasmHttpFilter(probe.host.plugin, "fail-closed", request, undefined);
    const second = new WasmHttpFilter(probe.host.plugin, "fail-closed", request, undefined);
    first.onRequestHeaders([], true);
    second.onRequestHeaders([], true);
    // Context ids come from one counter: the two streams are the last two ids handed out.
    const streams = Array.from({ length: 8 }, (_, i) => probe.vm.contexts.get(i + 1)).filter((c) => c?.kind === "http");
    const [a, b] = streams.map((s) => s!.id) as [number, number];
    expect(readProperty(probe, a, "xds\0route_name")).toBe("default/echo");
    expect(readProperty(probe, b, "source\0address")).toBe("10.0.0.7:41000");
    expect(readProperty(probe, b, "request\0id")).toBe("req-1");
    expect(readProperty(probe, b, "request\0protocol")).toBe("HTTP/1.1");
    expect(readProperty(probe, b, "xds\0virtual_host_name")).toBe("attache/default");
    expect(readProperty(probe, b, "xds\0cluster_name")).toBe("default/echo:80");
    expect(readProperty(probe, b, "destination\0address")).toBe("10.0.0.1:8443");
    expect(readProperty(probe, b, "connection\0requested_server_name")).toBe("example.test");
    expect(readProperty(probe, b, "connection\0tls_version")).toBe("TLSv1.3");
    expect(readProperty(probe, b, "upstream\0address")).toBeUndefined();
    request.stream.upstream = "127.0.0.1:9001";
    expect(readProperty(probe, b, "upstream\0address")).toBe("127.0.0.1:9001");
    expect(request.attributes).toBeDefined();
    // A value one filter sets on its own stream does not leak into the shared attributes.
    const [kp, kl] = probe.put("xds\0route_name");
    const [vp, vl] = probe.put("changed");
    expect(probe.call("proxy_set_property", a, kp, kl, vp, vl)).toBe(0);
    expect(readProperty(probe, a, "xds\0route_name")).toBe("changed");
    expect(readProperty(probe, b, "xds\0route_name")).toBe("default/echo");
  });
});
