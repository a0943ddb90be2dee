import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { run } from "./convert.ts";

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), cwd }, out, err };
}

describe("attache convert", () => {
  it("prints Attaché YAML and warns on stderr about unsupported fields", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-convert-"));
    writeFileSync(join(dir, "emissary.yaml"), "apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: a, namespace: shop}\nspec: {prefix: /a/, service: a.shop:80, timeout_ms: 2000, host_redirect: true}\n");
    const { io: cli, out, err } = io(dir);
    expect(await run(["emissary.yaml"], cli)).toBe(0);
    const [doc] = parseAllDocuments(out.join("")).map((d) => d.toJS());
    expect(doc).toEqual({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name: "a", namespace: "shop" }, spec: { prefix: "/a/", service: "a.shop:80", timeout: "2000ms" } });
    expect(err.join("")).toContain("warning: emissary.yaml:1: Mapping shop/a: spec.host_redirect: redirect Mappings are not supported");
  });

  it("writes --output and exits 1 naming an unconvertible document", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-convert-"));
    writeFileSync(join(dir, "auth.yaml"), "apiVersion: getambassador.io/v3alpha1\nkind: AuthService\nmetadata: {name: auth}\nspec: {auth_service: auth:3000, proto: grpc}\n");
    const { io: cli, err } = io(dir);
    expect(await run(["auth.yaml", "--output", "out.yaml"], cli)).toBe(1);
    expect(err.join("")).toContain('error: auth.yaml:1: AuthService default/auth: spec.proto: only "http" auth services are supported, got "grpc"');
    expect(readFileSync(join(dir, "out.yaml"), "utf8")).toBe("");
  });

  it("reports a missing file", async () => {
    const { io: cli, err } = io(tmpdir());
    expect(await run(["does-not-exist.yaml"], cli)).toBe(1);
    expect(err.join("")).toContain("does-not-exist.yaml: no such file");
  });
});
