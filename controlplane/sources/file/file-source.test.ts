// The file source: batches arrive after changes, broken YAML is reported with file:line while
// the other files load, unchanged files keep their objects, Kubernetes documents are accepted.
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, renameSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSource } from "./watch.ts";
import { YamlScanner, loadYamlPaths } from "./scan.ts";
import { parseYamlDocuments } from "./parse.ts";
import type { ResourceBundle } from "../bundle.ts";

const mappingYaml = (name: string, prefix: string) => `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata:
  name: ${name}
spec:
  prefix: ${prefix}
  service: http://127.0.0.1:9001
`;

const dirs: string[] = [];
const sources: FileSource[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "attache-files-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function names(bundle: ResourceBundle): string[] {
  return bundle.resources.map((r) => `${r.object.kind}/${(r.object.metadata as { name: string }).name}`);
}

/** Resolves with the first bundle (after the initial one) that satisfies `test`. */
function nextBundle(source: FileSource, paths: string[], test: (b: ResourceBundle) => boolean, options = {}): { started: ResourceBundle; next: Promise<ResourceBundle> } {
  let resolve!: (b: ResourceBundle) => void;
  const next = new Promise<ResourceBundle>((r) => (resolve = r));
  let first = true;
  const started = source.start((bundle) => {
    if (first) first = false;
    else if (test(bundle)) resolve(bundle);
  });
  return { started, next };
}

describe("parseYamlDocuments", () => {
  it("remembers file and line of each document and skips empty ones", () => {
    const text = `# comment\n${mappingYaml("a", "/a/")}---\n\n${mappingYaml("b", "/b/")}---\n`;
    const parsed = parseYamlDocuments(text, "dir/x.yaml");
    expect(parsed.errors).toEqual([]);
    expect(parsed.resources.map((r) => r.location)).toEqual([{ file: "dir/x.yaml", line: 2 }, { file: "dir/x.yaml", line: 11 }]);
    expect(Object.isFrozen(parsed.resources[0].object.spec)).toBe(true);
  });

  it("a broken document is an error at its line; the other documents still load", () => {
    const text = `${mappingYaml("a", "/a/")}---\nkind: Mapping\nmetadata: {name: [broken\n---\n${mappingYaml("c", "/c/")}`;
    const parsed = parseYamlDocuments(text, "x.yaml");
    expect(parsed.resources.map((r) => (r.object.metadata as { name: string }).name)).toEqual(["a", "c"]);
    expect(parsed.errors.length).toBeGreaterThan(0);
    expect(parsed.errors[0].location.file).toBe("x.yaml");
    expect(parsed.errors[0].location.line).toBeGreaterThanOrEqual(9);
    expect(parsed.errors[0].message).toMatch(/^invalid YAML: /);
  });

  it("a scalar document is not a resource", () => {
    expect(parseYamlDocuments("just text\n", "x.yaml").errors).toEqual([{ location: { file: "x.yaml", line: 1 }, message: "a document must be a Kubernetes object (a YAML mapping with apiVersion, kind, metadata)" }]);
  });

  it("accepts Kubernetes Service, EndpointSlice and Secret documents and List objects", () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Service, metadata: {name: echo}, spec: {ports: [{port: 80}]}}\n  - {apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: echo-1}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\ndata: {tls.crt: AA==, tls.key: AA==}\n`;
    const parsed = parseYamlDocuments(text, "k.yaml");
    expect(parsed.resources.map((r) => r.object.kind)).toEqual(["Service", "EndpointSlice", "Secret"]);
  });
});

describe("YamlScanner", () => {
  it("reads directories recursively, in path order, and reuses objects of unchanged files", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "b.yaml"), mappingYaml("b", "/b/"));
    writeFileSync(join(dir, "sub", "a.yml"), mappingYaml("a", "/a/"));
    writeFileSync(join(dir, "notes.txt"), "not yaml");
    const scanner = new YamlScanner([dir], dir);
    const first = scanner.scan();
    expect(names(first)).toEqual(["Mapping/b", "Mapping/a"]);
    expect(first.resources[1].location).toEqual({ file: "sub/a.yml", line: 1 });
    expect(scanner.scan()).toBe(first); // nothing changed: same bundle
    writeFileSync(join(dir, "b.yaml"), mappingYaml("b", "/b2/"));
    const second = scanner.scan();
    expect(second.revision).toBe(first.revision + 1);
    expect(second.resources[1]).toBe(first.resources[1]); // sub/a.yml untouched: same object
    expect(second.resources[0]).not.toBe(first.resources[0]);
  });

  it("reports a missing path", () => {
    const bundle = loadYamlPaths(["/nonexistent/attache"], "/");
    expect(bundle.errors).toEqual([{ location: { file: "nonexistent/attache", line: 0 }, message: "no such file or directory" }]);
  });
});

describe.each([["watch", {}], ["poll", { polling: true, pollIntervalMs: 30 }]] as const)("FileSource (%s)", (mode, options) => {
  it("emits a batch after files change, with broken files reported and the rest loaded", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), mappingYaml("a", "/a/"));
    const source = new FileSource([dir], { ...options, displayBase: dir, debounceMs: 20 });
    sources.push(source);
    const { started, next } = nextBundle(source, [dir], (b) => b.resources.length === 2 && b.errors.length > 0);
    expect(source.mode).toBe(mode);
    expect(names(started)).toEqual(["Mapping/a"]);
    writeFileSync(join(dir, "b.yaml"), mappingYaml("b", "/b/"));
    writeFileSync(join(dir, "broken.yaml"), "kind: Mapping\nmetadata: {name: [x\n");
    const bundle = await next;
    expect(names(bundle)).toEqual(["Mapping/a", "Mapping/b"]);
    expect(bundle.errors[0].location.file).toBe("broken.yaml");
    expect(bundle.errors[0].location.line).toBeGreaterThan(0);
    expect(Object.isFrozen(bundle.resources)).toBe(true);
  }, 5000);

  it("follows files replaced by rename (editors) and deleted files", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), mappingYaml("a", "/a/"));
    writeFileSync(join(dir, "gone.yaml"), mappingYaml("gone", "/g/"));
    const source = new FileSource([dir], { ...options, displayBase: dir, debounceMs: 20 });
    sources.push(source);
    const { next } = nextBundle(source, [dir], (b) => names(b).join() === "Mapping/a2");
    writeFileSync(join(dir, ".a.yaml.tmp"), mappingYaml("a2", "/a/"));
    renameSync(join(dir, ".a.yaml.tmp"), join(dir, "a.yaml"));
    unlinkSync(join(dir, "gone.yaml"));
    expect(names(await next)).toEqual(["Mapping/a2"]);
  }, 5000);
});
