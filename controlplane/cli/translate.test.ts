import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "./translate.ts";
import { run as validate } from "./validate.ts";

function capture(cwd: string) {
  const io = { out: "", err: "" };
  return { io, commandIo: { out: (t: string) => (io.out += t), err: (t: string) => (io.err += t), cwd } };
}

const GOOD = `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: echo, namespace: default}
spec: {prefix: /echo/, service: "http://127.0.0.1:9000"}
`;
const BAD = `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: broken, namespace: default}
spec: {prefix: /broken/, service: "http://127.0.0.1:9000", timeout: 3 seconds}
`;

describe("attache translate", () => {
  const dir = mkdtempSync(join(tmpdir(), "attache-translate-"));
  writeFileSync(join(dir, "good.yaml"), GOOD);
  writeFileSync(join(dir, "mixed.yaml"), `${GOOD}---\n${BAD}`);

  it("prints every resource type as YAML and exits 0 for valid input", async () => {
    const { io, commandIo } = capture(dir);
    expect(await run(["good.yaml"], commandIo)).toBe(0);
    const out = parse(io.out);
    expect(Object.keys(out)).toEqual(["listeners", "routes", "scopes", "clusters", "endpoints", "secrets", "extensions"]);
    expect(out.routes[0].virtual_hosts[0].routes[0].name).toBe("default/echo");
    expect(out.clusters[0]).toMatchObject({ name: "url/127.0.0.1:9000", type: "STATIC" });
    expect(io.err).toBe("");
  });

  it("prints one type as JSON with --type and --format json", async () => {
    const { io, commandIo } = capture(dir);
    expect(await run(["--format", "json", "--type", "listeners", "good.yaml"], commandIo)).toBe(0);
    expect(JSON.parse(io.out).map((l: { name: string }) => l.name)).toEqual(["attache-http"]);
  });

  it("still prints the valid resources but exits 1 naming the file, line and field of the invalid one", async () => {
    const { io, commandIo } = capture(dir);
    expect(await run(["--type", "routes", "mixed.yaml"], commandIo)).toBe(1);
    expect(parse(io.out)[0].virtual_hosts[0].routes.map((r: { name: string }) => r.name)).toEqual(["default/echo"]);
    expect(io.err).toMatch(/mixed\.yaml:6: Mapping default\/broken: spec\.timeout: .*3 seconds/);
  });

  it("rejects unknown types and formats with the usage (exit 2)", async () => {
    for (const args of [["--type", "routez", "good.yaml"], ["--format", "xml", "good.yaml"], []]) {
      const { io, commandIo } = capture(dir);
      expect(await run(args, commandIo)).toBe(2);
      expect(io.err).toContain("usage: attache translate");
    }
  });
});

describe("attache translate and attache validate agree", () => {
  it("on a Host whose TLS Secret is not in the files: a note from both, exit 0 from both, the Host left out of the output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-translate-"));
    writeFileSync(join(dir, "tls.yaml"), `${GOOD}---\napiVersion: attache.dev/v1alpha1\nkind: Host\nmetadata: {name: secure, namespace: default}\nspec: {hostname: secure.example.com, tlsSecret: {name: secure-cert}}\n`);
    const translated = capture(dir);
    const validated = capture(dir);
    expect(await run(["tls.yaml"], translated.commandIo)).toBe(0);
    expect(await validate(["tls.yaml"], validated.commandIo)).toBe(0);
    const note = "note: Host default/secure: spec.tlsSecret: Secret default/secure-cert not found (attache dev self-signs it; in a cluster create the Secret)";
    expect(translated.io.err).toContain(`${note}; the Host is not in this output`);
    expect(validated.io.err).toContain(note);
    expect(parse(translated.io.out).listeners.map((l: { name: string }) => l.name)).toEqual(["attache-http"]);
  });
});
