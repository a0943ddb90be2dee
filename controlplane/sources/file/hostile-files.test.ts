// What a careless or hostile file in the watched folder must not do: crash the source (a YAML
// alias bomb), stall it (a FIFO nobody writes, a symlink to a device), or make it read or
// parse without bound (a huge file, thousands of documents). Each becomes that file's error;
// the other files load.
import { afterEach, describe, expect, it } from "vitest";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseYamlDocuments } from "./parse.ts";
import { MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES, YamlScanner } from "./scan.ts";

const mapping = (name: string) => `apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\nspec:\n  prefix: /${name}/\n  service: http://127.0.0.1:9001\n`;
/** One anchor referenced 150 times: the yaml library refuses to expand it (alias limit). */
const aliasBomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x, y]\n  b: [${Array(150).fill("*a").join(", ")}]\n`;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "attache-hostile-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe("hostile YAML", () => {
  it("an alias bomb is that document's error; the next document still loads", () => {
    const parsed = parseYamlDocuments(`${aliasBomb}---\n${mapping("ok")}`, "bomb.yaml");
    expect(parsed.resources.map((r) => r.object.kind)).toEqual(["Mapping"]);
    expect(parsed.errors).toEqual([{ location: { file: "bomb.yaml", line: 1 }, message: expect.stringMatching(/^invalid YAML: .*alias/i) }]);
  });

  it("a file with more documents than the limit is one error, and nothing of it loads", () => {
    const text = Array.from({ length: MAX_DOCUMENTS_PER_FILE + 1 }, (_, i) => mapping(`m${i}`)).join("---\n");
    const parsed = parseYamlDocuments(text, "many.yaml");
    expect(parsed.resources).toEqual([]);
    expect(parsed.errors).toEqual([{ location: { file: "many.yaml", line: 1 }, message: `more than ${MAX_DOCUMENTS_PER_FILE} documents in one file` }]);
  });
});

describe("hostile files in a watched folder", () => {
  it("a FIFO is not read (nothing blocks on it), and the other files load", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), mapping("a"));
    execFileSync("mkfifo", [join(dir, "pipe.yaml")]);
    // Opens the FIFO's write end after 1.5 s (then exits, which ends the stream): a scanner
    // that opened the FIFO for reading would be stuck until then.
    const writer = spawn("sh", ["-c", `sleep 1.5; exec 3>"${join(dir, "pipe.yaml")}"`], { stdio: "ignore" });
    try {
      const started = performance.now();
      const bundle = new YamlScanner([dir], dir).scan();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(bundle.resources.map((r) => r.object.kind)).toEqual(["Mapping"]);
      expect(bundle.errors).toEqual([{ location: { file: "pipe.yaml", line: 0 }, message: "not a regular file (only regular YAML files are read)" }]);
    } finally {
      writer.kill();
    }
  });

  it("a symlink to a device is not read", () => {
    const dir = tempDir();
    symlinkSync("/dev/zero", join(dir, "zero.yaml"));
    const bundle = new YamlScanner([dir], dir).scan();
    expect(bundle.errors).toEqual([{ location: { file: "zero.yaml", line: 0 }, message: "not a regular file (only regular YAML files are read)" }]);
  });

  it("a file that is not valid UTF-8 is an error naming the line, not silently replaced text", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "latin1.yaml"), Buffer.concat([Buffer.from(`${mapping("a")}  # caf`), Buffer.from([0xe9]), Buffer.from("\n")]));
    const bundle = new YamlScanner([dir], dir).scan();
    expect(bundle.resources).toEqual([]);
    expect(bundle.errors).toEqual([{ location: { file: "latin1.yaml", line: 8 }, message: "not valid UTF-8" }]);
  });

  it("a file over the size limit is not read", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), mapping("a"));
    writeFileSync(join(dir, "huge.yaml"), `# ${"x".repeat(MAX_FILE_BYTES)}\n`);
    const bundle = new YamlScanner([dir], dir).scan();
    expect(bundle.resources).toHaveLength(1);
    expect(bundle.errors).toEqual([{ location: { file: "huge.yaml", line: 0 }, message: `${MAX_FILE_BYTES + 3} bytes is over the ${MAX_FILE_BYTES}-byte file limit` }]);
  });
});

describe("large mappings", () => {
  it("duplicate keys are found in linear time (40,000 keys: seconds, not minutes)", () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: v`);
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n${keys.join("\n")}\n  k5: again\n`;
    const started = performance.now();
    const parsed = parseYamlDocuments(text, "big.yaml");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(parsed.errors).toEqual([{ location: { file: "big.yaml", line: 40_005 }, message: "invalid YAML: Map keys must be unique" }]);
  }, 20_000);
});
