import { describe, expect, it } from "vitest";
import { main } from "../cli/main.ts";
import { envoyBootstrap } from "./bootstrap.ts";

describe("attache bootstrap", () => {
  it("prints the same bootstrap the chart ships, for a given address", async () => {
    let out = "";
    const code = await main(["bootstrap", "--xds-address", "cp.example:18000", "--node-cluster", "blue"], { out: (t) => (out += t), err: () => undefined, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(envoyBootstrap({ xdsAddress: "cp.example:18000", nodeCluster: "blue" }));
  });

  it("exits 2 naming the flag when the address is malformed", async () => {
    let err = "";
    const code = await main(["bootstrap", "--xds-address", "nope"], { out: () => undefined, err: (t) => (err += t), cwd: process.cwd() });
    expect(code).toBe(2);
    expect(err).toContain("--xds-address: expected host:port");
  });
});
