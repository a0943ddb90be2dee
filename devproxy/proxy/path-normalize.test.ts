// Expected forms are what Envoy 1.40 forwarded for these paths (normalize_path and
// merge_slashes on, prefix /echo/ rewritten to /), checked against real Envoy by
// test/e2e/routing.test.ts for a subset.
import { describe, expect, it } from "vitest";
import { normalizeRequestPath } from "./path-normalize.ts";

const both = { normalizePath: true, mergeSlashes: true };

describe("normalizeRequestPath (normalize_path + merge_slashes)", () => {
  it.each([
    ["/echo/a/../b", "/echo/b"],
    ["/echo/./x", "/echo/x"],
    ["/echo/%41bc%7e%7E", "/echo/Abc~~"],
    ["/echo/%2fx", "/echo/%2fx"],
    ["/echo/a\\b", "/echo/a/b"],
    ["/echo/a%2F..%2Fb", "/echo/a%2F..%2Fb"],
    ["/echo/x/..", "/echo/"],
    ["/echo/%252e", "/echo/%252e"],
    ["/echo/%e2%82%ac", "/echo/%e2%82%ac"],
    ["/echo/%zz", "/echo/%zz"],
    ["/echo/a//b?q=//x/../", "/echo/a/b?q=//x/../"],
    ["/echo/%2E%2E/echo/y", "/echo/y"],
    ["/echo/a/./b/../../c", "/echo/c"],
    ["/../../etc", "/etc"],
    ["/", "/"],
  ])("%s -> %s", (input, expected) => {
    expect(normalizeRequestPath(input, both)).toBe(expected);
  });

  it("leaves the path alone when neither option is on, and merges slashes alone", () => {
    expect(normalizeRequestPath("/a//../b", { normalizePath: false, mergeSlashes: false })).toBe("/a//../b");
    expect(normalizeRequestPath("/a//../b", { normalizePath: false, mergeSlashes: true })).toBe("/a/../b");
  });
});
