// The filters bench (bench/filters/ratelimit.ts) times a plain-TypeScript baseline against the
// filter; this keeps the baseline honest: on the same requests and clock it allows, limits and
// answers with the same headers as the built filter.
import { afterAll, describe, expect, it } from "vitest";
import { EmulatorOptions, FakeClock, HostEmulator, type HeaderPairs } from "@attache/proxy-wasm-host";
import ratelimitCase, { ratelimitBaseline } from "../../bench/filters/ratelimit.ts";

describe("ratelimit bench baseline", () => {
  const clock = new FakeClock();
  const properties = { "xds.route_name": "default/api", "source.address": "10.1.2.3:40000" };
  const host = new HostEmulator(new EmulatorOptions().withWasm(ratelimitCase.wasm).withClock(clock).withPluginConfiguration({
    keyBy: ["clientAddress", "header:x-api-key"],
    routes: { "default/api": { requests: 3, interval: "1m", responseHeaders: true } },
  }));
  host.startPlugin();
  afterAll(() => host.dispose());
  const decide = ratelimitBaseline(
    { "default/api": { requests: 3, intervalNanos: 60_000_000_000n, burst: 3, keyBy: ["clientAddress", "header:x-api-key"], responseHeaders: true } },
    10_000,
    properties,
  );

  it("allows, limits and refills like the filter, with the same headers", () => {
    const steps: [number, string][] = [[0, "a"], [0, "a"], [0, "b"], [0, "a"], [0, "a"], [20_000, "a"], [20_000, "a"], [0, "b"]];
    for (const [advanceMs, apiKey] of steps) {
      clock.advance(advanceMs);
      const request: HeaderPairs = [[":path", "/"], ["x-api-key", apiKey]];
      const id = host.initializeHttpContext(properties);
      host.callOnRequestHeaders(id, request, true);
      const local = host.getSentLocalResponse(id);
      if (!local) host.callOnResponseHeaders(id, [[":status", "200"]], true);
      const filterHeaders = local ? local.headers : host.getCurrentResponseHeaders(id).filter(([k]) => k.startsWith("ratelimit-"));
      host.completeHttpContext(id);

      const response: HeaderPairs = [];
      const limited = decide(request, response, clock.unixNanos());
      expect(limited !== null).toBe(local !== undefined);
      expect(limited ?? response).toEqual(filterHeaders);
    }
  });
});
