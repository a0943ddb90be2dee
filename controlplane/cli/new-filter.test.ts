import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { afterEach, describe, expect, it } from "vitest";
import { NewFilterError, newFilter, pascalCase, renameTemplate, snakeCase } from "./new-filter.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const roots: string[] = [];

/** A scratch project with the SDK (symlinked) but no filters of its own. */
function scratchProject(): string {
  const root = mkdtempSync(join(tmpdir(), "attache-new-filter-"));
  roots.push(root);
  mkdirSync(join(root, "filters"));
  symlinkSync(join(repoRoot, "filters", "sdk"), join(root, "filters", "sdk"));
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
    expect(index).toContain('export * from "../sdk/exports";');
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

  it("refuses a destination without filters/sdk", () => {
    const root = mkdtempSync(join(tmpdir(), "attache-new-filter-"));
    roots.push(root);
    expect(() => newFilter("lonely", root)).toThrow(/filters\/sdk not found/);
    expect(existsSync(join(root, "filters", "lonely"))).toBe(false);
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
