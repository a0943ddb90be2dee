// RE2 program size, checked against real Envoy: with Envoy's limit lowered to 1 every regex
// is refused with "RE2 program size of N > max program size of 1 ...", which gives Envoy's own
// count; the model's count (controlplane/model/checks/re2-program-size.ts) must never be below it, so
// a regex the model accepts is one Envoy accepts. Then, with the shipped bootstrap, a Mapping
// over the limit is reported by the model and every other route still works.
import { afterAll, beforeAll, expect, it } from "vitest";
import { re2ProgramSize, RE2_MAX_PROGRAM_SIZE } from "../../controlplane/model/checks/re2-program-size.ts";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { describeWithTools } from "../tools.ts";
import { envoyWithEcho, startEnvoyStack, type EnvoyStack } from "./stack.ts";

const REGEXES = [
  "/a", "/a*", "/a+", "/a?", "/(a)", "/.", "/.*", "/[^/]+", "/ü", "/é+", "/x\\d+", "/\\w+\\s*",
  "/[a-f0-9]{36}", "/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
  "/(foo|bar|baz)/.*", "/v[0-9]{2,4}/x", "/(a|bc)+d", "^/static/.*\\.(css|js)$", "^/users/[0-9]+$",
  "/users/([0-9]+)/orders", "(?i)/API/[a-z]+", "/item/[0-9]{1,10}$", "/[a-zA-Z0-9_-]+", "/big/[a-f0-9]{450}",
];

const mapping = (name: string, spec: string) => `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: ${name}}
spec: ${spec}
`;

describeWithTools(["envoy"], "RE2 program size as Envoy counts it", () => {
  let stack: EnvoyStack;
  beforeAll(async () => {
    stack = await startEnvoyStack({ runtime: { "re2.max_program_size.error_level": 1 } });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("is never below Envoy's count, and equal for nearly every regex", async () => {
    const rows: Array<{ regex: string; envoy: number; ours: number }> = [];
    for (const regex of REGEXES) {
      const before = stack.nacks.length;
      await stack.apply(bundleFromYaml(mapping("m", `{regex: ${JSON.stringify(regex)}, service: "http://127.0.0.1:1"}`), "re.yaml"));
      const message = stack.nacks.slice(before).map((n) => n.message).find((m) => m.includes("RE2 program size"));
      const envoy = Number(/RE2 program size of (\d+) > max program size of 1 /.exec(message ?? "")?.[1]);
      rows.push({ regex, envoy, ours: re2ProgramSize(regex) });
    }
    for (const row of rows) {
      expect(row.envoy, row.regex).toBeGreaterThan(0);
      expect(row.ours, row.regex).toBeGreaterThanOrEqual(row.envoy);
      expect(row.ours - row.envoy, row.regex).toBeLessThanOrEqual(1);
    }
    expect(rows.filter((r) => r.ours === r.envoy).length).toBeGreaterThanOrEqual(REGEXES.length - 2);
  }, 60_000);
});

describeWithTools(["envoy"], "a Mapping whose regex is over the limit", () => {
  const env = envoyWithEcho();

  it("is reported with its size and the limit; Envoy ACKs and every other route works", async () => {
    const { stack, echo } = env;
    const service = `"http://127.0.0.1:${echo.port}"`;
    const result = await stack.apply(bundleFromYaml([
      mapping("ok", `{prefix: /ok/, service: ${service}}`),
      mapping("ids", `{regex: "/ids/[a-f0-9]{36}", service: ${service}}`),
      mapping("huge", `{regex: "/huge/[a-f0-9]{600}", service: ${service}}`),
    ].join("---\n"), "routes.yaml"));
    const huge = result.statuses.find((s) => s.ref.name === "huge")!;
    expect(huge.errors).toEqual([
      `Mapping default/huge: spec.regex: invalid RE2 regular expression "/huge/[a-f0-9]{600}": RE2 program size 1210 is over the limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy refuses larger regexes; simplify it, e.g. fewer or smaller repetitions)`,
    ]);
    expect(stack.nacks).toEqual([]);
    const get = (path: string) => fetch(`http://127.0.0.1:${stack.ports.http}${path}`).then((r) => r.status);
    expect(await get("/ok/")).toBe(200);
    expect(await get(`/ids/${"a".repeat(36)}`)).toBe(200);
    expect(await get(`/huge/${"a".repeat(600)}`)).toBe(404);
  }, 30_000);
});
