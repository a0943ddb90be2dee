import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { afterEach, describe, expect, it } from "vitest";
import { NewFilterError, newFilter, pascalCase, renameTemplate, snakeCase } from "./new-filter.ts";
import { newFilterProject } from "./new-filter-project.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const roots: string[] = [];

/** A scratch project with the SDK package installed (symlinked) but no filters of its own. */
function scratchProject(): string {
  const root = mkdtempSync(join(tmpdir(), "attache-new-filter-"));
  roots.push(root);
  mkdirSync(join(root, "filters"));
  mkdirSync(join(root, "node_modules", "@attache"), { recursive: true });
  symlinkSync(join(repoRoot, "filters", "sdk"), join(root, "node_modules", "@attache", "proxy-wasm-sdk"));
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("newFilter", () => {
  it("copies every template file with the names replaced", () => {
    const root = scratchProject();
    const created = newFilter("header-check", root);
    expect(created).toContain("filters/header-check/index.ts");
    expect(created).toContain("filters/header-check/README.md");
    expect(created).toContain("filters/header-check/header-check.test.ts");
    for (const file of created) {
      const text = readFileSync(join(root, file), "utf8");
      expect(text, file).not.toMatch(/template/i);
    }
    const index = readFileSync(join(root, "filters/header-check/index.ts"), "utf8");
    expect(index).toContain("class HeaderCheckRoot extends ConfiguredRootContext");
    expect(index).toContain('new Counter("attache_header_check_rejected")');
    expect(index).toContain('export * from "@attache/proxy-wasm-sdk/exports";');
    const test = readFileSync(join(root, "filters/header-check/header-check.test.ts"), "utf8");
    expect(test).toContain("`header-check.${target}.wasm`");
    expect(test).toContain("`header-check: invalid configuration: ${message}`");
  });

  it("produces a filter that compiles with the project's asconfig", async () => {
    const root = scratchProject();
    newFilter("compiles-ok", root);
    const stderr: string[] = [];
    // asc resolves the config's "lib" entry only when the config path is relative to the cwd.
    const config = relative(process.cwd(), join(repoRoot, "asconfig.json"));
    const { error } = await asc.main(
      [join(root, "filters/compiles-ok/index.ts"), "--config", config, "--target", "debug", "--outFile", join(root, "out.wasm")],
      { stdout: { write: () => true }, stderr: { write: (chunk: unknown) => { stderr.push(String(chunk)); return true; } } },
    );
    expect(error, stderr.join("")).toBeNull();
    const module = new WebAssembly.Module(readFileSync(join(root, "out.wasm")));
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    expect(exports).toContain("proxy_abi_version_0_2_1");
    expect(exports).toContain("proxy_on_request_headers");
  }, 60_000);

  it.each([
    ["MyFilter", /lower-case letters, digits and dashes/],
    ["my_filter", /lower-case letters, digits and dashes/],
    ["1filter", /starting with a letter/],
    ["my--filter", /invalid/],
    ["-filter", /invalid/],
    ["filter-", /invalid/],
    ["", /invalid/],
    ["../escape", /invalid/],
    ["sdk", /reserved/],
    ["template", /reserved/],
    ["a".repeat(41), /longer than 40/],
  ])("rejects the name %j", (name, message) => {
    const root = scratchProject();
    expect(() => newFilter(name, root)).toThrow(NewFilterError);
    expect(() => newFilter(name, root)).toThrow(message);
  });

  it("refuses to overwrite an existing filter directory", () => {
    const root = scratchProject();
    mkdirSync(join(root, "filters", "taken"));
    expect(() => newFilter("taken", root)).toThrow(/filters\/taken already exists/);
  });

  it("refuses a destination without the SDK package, pointing at --dir", () => {
    const root = mkdtempSync(join(tmpdir(), "attache-new-filter-"));
    roots.push(root);
    expect(() => newFilter("lonely", root)).toThrow(/@attache\/proxy-wasm-sdk not found.*--dir <path>/);
    expect(existsSync(join(root, "filters", "lonely"))).toBe(false);
  });
});

describe("newFilterProject (--dir)", () => {
  it("creates a project that depends on the packages, not on this checkout", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "attache-new-project-")), "my-check");
    roots.push(dirname(dir));
    const files = newFilterProject("my-check", dir);
    expect(files).toEqual(expect.arrayContaining(["package.json", "asconfig.json", "README.md", ".gitignore", "deploy/my-check.yaml",
      "filters/my-check/index.ts", "filters/my-check/my-check.test.ts"]));
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(manifest.scripts).toEqual({ build: "attache-filter-build --target release", pretest: "attache-filter-build", test: "vitest run", watch: "attache-filter-build --watch" });
    expect(manifest.devDependencies["@attache/proxy-wasm-sdk"]).toBe(`^${JSON.parse(readFileSync(join(repoRoot, "filters/sdk/package.json"), "utf8")).version}`);
    expect(JSON.parse(readFileSync(join(dir, "asconfig.json"), "utf8"))).toEqual({ extends: "./node_modules/@attache/proxy-wasm-sdk/asconfig.json" });
    for (const file of files) expect(readFileSync(join(dir, file), "utf8"), file).not.toContain(repoRoot);
    expect(readFileSync(join(dir, "filters/my-check/my-check.test.ts"), "utf8")).toContain('from "@attache/proxy-wasm-host"');
  });

  it("refuses a folder that is not empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-new-project-"));
    roots.push(dir);
    mkdirSync(join(dir, "src"));
    expect(() => newFilterProject("my-check", dir)).toThrow(/is not empty/);
  });
});

describe("name forms", () => {
  it("derives class, metric and path names", () => {
    expect(pascalCase("my-check-2")).toBe("MyCheck2");
    expect(snakeCase("my-check-2")).toBe("my_check_2");
    expect(renameTemplate('class TemplateRoot; new Counter("attache_template_rejected"); "template: bad"', "my-check")).toBe(
      'class MyCheckRoot; new Counter("attache_my_check_rejected"); "my-check: bad"',
    );
  });
});
