import { describe, expect, it } from "vitest";
import { YamlLocator, pathSegments } from "./locate.ts";

const text = `# comment
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata:
  name: a
  labels: {"app.kubernetes.io/name": x}
spec:
  prefix: /a/
  headers:
    - name: x
      regex: "(?=x)"
    - name: y
  timeout: 3 seconds
---
kind: Mapping
spec:
  prefix: /b/
`;

describe("YamlLocator", () => {
  const locator = new YamlLocator(() => text);
  it.each([
    ["spec.timeout", 13],
    ["spec.headers[0].regex", 11],
    ["spec.headers[1]", 12],
    ["spec.headers[1].value", 12], // missing field: its parent
    ['metadata.labels["app.kubernetes.io/name"]', 6],
    ["spec.nothere", 7],
    ["", 2],
  ])("%s is on line %i", (path, line) => {
    expect(locator.line("x.yaml", 2, path)).toBe(line);
  });

  it("finds fields of later documents and falls back to the document line", () => {
    expect(locator.line("x.yaml", 15, "spec.prefix")).toBe(17);
    expect(locator.line("x.yaml", 99, "spec.prefix")).toBe(99);
    expect(new YamlLocator(() => { throw new Error("gone"); }).line("x.yaml", 4, "spec")).toBe(4);
  });

  it("splits paths like the validator writes them", () => {
    expect(pathSegments('spec.filters[2].config["a.b"].c')).toEqual(["spec", "filters", 2, "config", "a.b", "c"]);
  });
});
