// `attache validate` as a user runs it: a child process, exit code and output.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tsx = join(repo, "node_modules/.bin/tsx");
const dir = mkdtempSync(join(tmpdir(), "attache-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function attache(...args: string[]) {
  const result = spawnSync(tsx, [join(repo, "controlplane/cli/main.ts"), ...args], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const good = `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: echo}
spec: {prefix: /echo/, service: "http://127.0.0.1:9001"}
---
apiVersion: attache.dev/v1alpha1
kind: Host
metadata: {name: local}
spec: {hostname: "*.localhost"}
`;

describe("attache validate", () => {
  it("exits 0 with a one-line summary when everything is valid", () => {
    writeFileSync(join(dir, "good.yaml"), good);
    const { code, stdout } = attache("validate", "good.yaml");
    expect(code).toBe(0);
    expect(stdout).toBe("OK: 2 resources (1 Mapping, 1 Host) in 1 file: 2 routes on 2 virtual hosts, 1 cluster, 0 Wasm filters\n");
  });

  it("exits 1 and lists every error with the file:line of the field, in file order", () => {
    writeFileSync(join(dir, "bad.yaml"), `${good}---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: broken}
spec:
  regex: "^/users/(?!admin)"
  service: http://127.0.0.1:9001
  timeout: 3 seconds
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: orphan}
spec: {prefix: /o/, service: "missing:80"}
`);
    writeFileSync(join(dir, "unparsable.yaml"), "kind: Mapping\nmetadata: {name: [x\n");
    const { code, stdout, stderr } = attache("validate", "bad.yaml", "unparsable.yaml");
    expect(code).toBe(1);
    const lines = stdout.trim().split("\n");
    expect(lines).toEqual(expect.arrayContaining([
      'bad.yaml:17: Mapping default/broken: spec.timeout: invalid duration "3 seconds" (use e.g. "3s", "250ms", "1m30s")',
      'bad.yaml:15: Mapping default/broken: spec.regex: invalid RE2 regular expression "^/users/(?!admin)": invalid or unsupported Perl syntax: `(?!`',
      "bad.yaml:22: Mapping default/orphan: spec.service: Service default/missing not found",
    ]));
    expect(lines.some((l) => /^unparsable\.yaml:\d+: invalid YAML: Flow/.test(l))).toBe(true);
    expect(lines.slice(0, 3).map((l) => l.split(":")[1])).toEqual(["15", "17", "22"]);
    expect(stderr).toMatch(/^attache validate: \d+ errors \(2 invalid resources, 1 unreadable document\)/m);
  });

  it("the examples directory has exactly its one intentionally invalid Mapping", () => {
    const result = spawnSync(tsx, [join(repo, "controlplane/cli/main.ts"), "validate", "examples"], { cwd: repo, encoding: "utf8", timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stdout.trim().split("\n").every((l) => l.startsWith("examples/invalid.yaml:"))).toBe(true);
  });

  it("unknown commands print usage and exit 2", () => {
    const { code, stderr } = attache("frobnicate");
    expect(code).toBe(2);
    expect(stderr).toContain("attache validate <files or directories...>");
  });
});
