import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { EXIT_CONVERTED, EXIT_FAILED, EXIT_WITH_WARNINGS, run } from "./convert.ts";

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), cwd }, out, err };
}

const mapping = (name: string, extra = "") =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: ${name}, namespace: shop}\nspec: {prefix: /${name}/, service: ${name}.shop:80, timeout_ms: 2000${extra}}\n`;

describe("attache convert", () => {
  it("exits 0 when every object converts exactly, printing Attaché YAML and one report line per object", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-convert-"));
    writeFileSync(join(dir, "emissary.yaml"), mapping("a"));
    const { io: cli, out, err } = io(dir);
    expect(await run(["emissary.yaml"], cli)).toBe(EXIT_CONVERTED);
    const [doc] = parseAllDocuments(out.join("")).map((d) => d.toJS());
    expect(doc.spec).toEqual({ prefix: "/a/", service: "a.shop:80", timeout: "2000ms" });
    expect(err.join("")).toContain("emissary.yaml:1: Mapping shop/a: converted\n");
    expect(err.join("")).toContain("attache convert: 1 Emissary object(s): 1 converted, 0 approximated, 0 dropped, 0 failed");
  });

  it("reads a directory (recursively), converts its files together, and exits 3 when something was approximated or dropped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-convert-"));
    mkdirSync(join(dir, "cfg", "more"), { recursive: true });
    writeFileSync(join(dir, "cfg", "a.yaml"), mapping("a", ", labels: {ambassador: [{x: {request_headers: [y]}}]}"));
    writeFileSync(join(dir, "cfg", "more", "b.yml"), "apiVersion: getambassador.io/v3alpha1\nkind: TracingService\nmetadata: {name: zipkin}\nspec: {service: zipkin:9411, driver: zipkin}\n");
    writeFileSync(join(dir, "cfg", "notes.txt"), "not yaml: [");
    const { io: cli, err } = io(dir);
    expect(await run(["cfg", "--output", "out.yaml"], cli)).toBe(EXIT_WITH_WARNINGS);
    const text = err.join("");
    expect(text).toContain("cfg/a.yaml:1: Mapping shop/a: approximated\n  warning: Mapping shop/a: spec.labels: rate-limit labels need an external RateLimitService");
    expect(text).toContain("cfg/more/b.yml:1: TracingService default/zipkin: dropped\n  dropped: Attaché does not configure tracing");
    expect(text).toContain("2 Emissary object(s): 0 converted, 1 approximated, 1 dropped, 0 failed");
    expect(parseAllDocuments(readFileSync(join(dir, "out.yaml"), "utf8")).map((d) => d.toJS().metadata.name)).toEqual(["a"]);
  });

  it("exits 1 naming an object that could not be converted, and still converts the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-convert-"));
    writeFileSync(join(dir, "all.yaml"), `${mapping("a")}---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: bad}\nspec: {prefix: /b/, service: b, timeout_ms: 3s}\n`);
    const { io: cli, out, err } = io(dir);
    expect(await run(["all.yaml"], cli)).toBe(EXIT_FAILED);
    expect(err.join("")).toContain('all.yaml:6: Mapping default/bad: failed\n  error: Mapping default/bad: spec.timeout_ms: must be a non-negative integer number of milliseconds, got "3s"');
    expect(parseAllDocuments(out.join("")).map((d) => d.toJS().metadata.name)).toEqual(["a"]);
  });

  it("reports a missing file with exit 1 and a usage error with exit 2", async () => {
    const { io: cli, err } = io(tmpdir());
    expect(await run(["does-not-exist.yaml"], cli)).toBe(EXIT_FAILED);
    expect(err.join("")).toContain("does-not-exist.yaml: no such file or directory");
    expect(await run([], io(tmpdir()).io)).toBe(2);
  });
});

describe("attache convert from stdin", () => {
  it("reads `-` as a YAML stream, e.g. `kubectl get mappings -o yaml | attache convert -`", () => {
    const bin = join(import.meta.dirname, "bin.mjs");
    const input = `apiVersion: v1\nkind: List\nitems:\n- ${mapping("a").replace(/\n(?=.)/g, "\n  ")}`;
    const run = spawnSync(process.execPath, [bin, "convert", "-"], { input, encoding: "utf8", cwd: tmpdir() });
    expect(run.stderr).toContain("<stdin>:4: Mapping shop/a: converted");
    expect(run.status).toBe(EXIT_CONVERTED);
    expect(parseAllDocuments(run.stdout).map((d) => d.toJS().spec)).toEqual([{ prefix: "/a/", service: "a.shop:80", timeout: "2000ms" }]);
  }, 30_000);
});
