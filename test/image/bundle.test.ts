// The control plane image's contents, without Docker (no engine on our build machines): the
// same scripts/bundle-cli.mjs the Dockerfile runs assembles a directory, and the bundled CLI
// must work from that directory alone — outside the repository, with no node_modules.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../e2e/harness.ts";

describe("control plane image contents (scripts/bundle-cli.mjs)", () => {
  let out: string;
  const run = (...args: string[]) => execFileSync(process.execPath, [join(out, "attache.mjs"), ...args], { cwd: tmpdir(), encoding: "utf8", env: { PATH: process.env.PATH } });

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "attache-image-"));
    execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "bundle-cli.mjs"), out], { cwd: REPO_ROOT, stdio: "pipe" });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("runs the CLI from the bundle alone", () => {
    const help = spawnSync(process.execPath, [join(out, "attache.mjs"), "help"], { cwd: tmpdir(), encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(help.status).toBe(0);
    expect(help.stderr).toContain("attache serve");
    expect(JSON.parse(run("bootstrap", "--xds-address", "cp:18000")).dynamic_resources.ads_config.api_type).toBe("DELTA_GRPC");
  });

  it("encodes with the bundled Envoy types and loads the filters' schemas it ships (translate)", () => {
    const yaml = run("translate", join(REPO_ROOT, "examples", "ratelimit.yaml"));
    expect(yaml).toContain("attache.wasm/_builtin/ratelimit");
  });
});
