// The filters bench (bench/filters/canary.ts) times a plain-TypeScript baseline against the
// filter; this keeps the baseline honest: for the same requests it writes the same header
// values as the built filter.
import { afterAll, describe, expect, it } from "vitest";
import { EmulatorOptions, HostEmulator, type HeaderPairs } from "@attache/proxy-wasm-host";
import canaryCase, { keyHash64 } from "../../bench/filters/canary.ts";
import * as logic from "../../build/filters/canary/logic.js";

describe("canary bench baseline", () => {
  const host = new HostEmulator(new EmulatorOptions().withWasm(canaryCase.wasm).withPluginConfiguration(canaryCase.configuration));
  host.startPlugin();
  afterAll(() => host.dispose());
  const decide = canaryCase.baseline();

  it("hashes like the filter", () => {
    for (const key of ["", "a", "user-42", "10.0.0.1", "ü用😀"]) expect(keyHash64(key)).toBe(logic.keyHash64(key));
  });

  it.each([
    ["the bench request", canaryCase.request(7)],
    ["a cookie key", [["cookie", "a=1; attache-canary=v-9"]]],
    ["the client address", []],
    ["override always", [["x-canary", "always"], ["x-user-id", "u"]]],
    ["override never", [["x-canary", "never"]]],
  ] as [string, HeaderPairs][])("writes what the filter writes for %s", (_name, request) => {
    const id = host.initializeHttpContext(canaryCase.properties);
    host.callOnRequestHeaders(id, request, true);
    const fromFilter = host.getCurrentRequestHeaders(id);
    host.completeHttpContext(id);
    const fromBaseline = request.map(([k, v]) => [k, v] as [string, string]);
    decide(fromBaseline, undefined);
    expect(fromBaseline.find(([k]) => k === "x-attache-canary-hash")).toEqual(fromFilter.find(([k]) => k === "x-attache-canary-hash"));
  });
});
