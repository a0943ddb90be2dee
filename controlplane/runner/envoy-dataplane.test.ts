import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../cli/main.ts";
import { devEnvoyBootstrap, EnvoyDataPlane, forwardLogLine } from "./envoy-dataplane.ts";

describe("the dev stack's Envoy data plane", () => {
  const saved = process.env.ENVOY_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.ENVOY_PATH;
    else process.env.ENVOY_PATH = saved;
  });

  it("runs with what `attache bootstrap` prints for its node id and admin port", async () => {
    let out = "";
    const code = await main(["bootstrap", "--xds-address", "127.0.0.1:18123", "--node-id", "attache-dev-envoy", "--admin-port", "0"],
      { out: (t) => (out += t), err: () => undefined, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(devEnvoyBootstrap("127.0.0.1:18123", 0)).toEqual(JSON.parse(out));
  });

  it("says how to install Envoy when there is none", async () => {
    process.env.ENVOY_PATH = "/nonexistent/envoy";
    await expect(EnvoyDataPlane.start({ xdsAddress: "127.0.0.1:1", adminPort: 0, logger: pino({ level: "silent" }) }))
      .rejects.toThrow("--data-plane envoy: Envoy is not installed (no file /nonexistent/envoy); run `npm run tools`");
  });

  it("forwards Envoy's log: warnings and errors as such, info as debug", () => {
    const entries: Array<{ level: number; envoy: string; msg: string }> = [];
    const sink = new Writable({ write(chunk, _enc, done) { entries.push(JSON.parse(String(chunk))); done(); } });
    const logger = pino({ level: "debug" }, sink);
    forwardLogLine(logger, "[2026-12-07 13:55:18.394][42][warning][main] [source/server/server.cc:843] Usage of the deprecated runtime key x");
    forwardLogLine(logger, "[2026-12-07 13:55:18.559][42][error][wasm] [source/extensions/common/wasm/wasm.cc:1] Plugin p failed to load");
    forwardLogLine(logger, "[2026-12-07 13:55:18.560][42][info][upstream] [source/common/upstream/cds_api_helper.cc:32] cds: add 3 cluster(s)");
    expect(entries.map((e) => [e.level, e.envoy, e.msg])).toEqual([
      [40, "main", "Usage of the deprecated runtime key x"],
      [50, "wasm", "Plugin p failed to load"],
      [20, "upstream", "cds: add 3 cluster(s)"],
    ]);
  });
});
