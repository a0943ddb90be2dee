// Expected forms are what Envoy 1.40 forwarded or answered for these paths with the HCM the
// translator emits (normalize_path, merge_slashes, path_with_escaped_slashes_action
// REJECT_REQUEST); test/pathsec/path-corpus.test.ts checks the same against real Envoy.
import { describe, expect, it } from "vitest";
import { canonicalizePath, normalizeRequestPath, type PathNormalization } from "./path-normalize.ts";

const hcm: PathNormalization = { normalizePath: true, mergeSlashes: true, escapedSlashesAction: "REJECT_REQUEST" };
const forwarded = (target: string, options = hcm) => {
  const out = normalizeRequestPath(target, options);
  return out.action === "reject" ? "reject" : out.action === "redirect" ? `redirect ${out.pathAndQuery}` : out.pathAndQuery;
};

describe("normalizeRequestPath (as Envoy's HCM)", () => {
  it.each([
    ["/echo/a/../b", "/echo/b"],
    ["/echo/./x", "/echo/x"],
    ["/echo/%41bc%7e%7E", "/echo/Abc~~"],
    ["/echo/a\\b", "/echo/a/b"],
    ["/echo/x/..", "/echo/"],
    ["/echo/%252e", "/echo/%252e"],
    ["/echo/%e2%82%ac", "/echo/%e2%82%ac"],
    ["/echo/%zz", "/echo/%zz"],
    ["/echo/a%2", "/echo/a%2"],
    ["/echo/a//b?q=//x/../", "/echo/a/b?q=//x/../"],
    ["/echo/%2E%2E/echo/y", "/echo/y"],
    ["/echo/a/./b/../../c", "/echo/c"],
    ["/../../etc", "/etc"],
    ["/open/%2e%2e", "/"],
    ["/open/x%3F/../y", "/open/y"],
    ["/open/x%23/y", "/open/x%23/y"],
    ["/open/a^b`c{d}e|f", "/open/a%5Eb%60c%7Bd%7De%7Cf"],
    ["/open/%7B%5e%60%7c", "/open/%7B%5e%60%7c"],
    ["/open/\"<x>\"", "/open/%22%3Cx%3E%22"],
    ["/open/%%32%65%32%65/x", "/open/%252e2e/x"],
    ["/open/..;x=1/private/x", "/private/x"],
    ["/open/.;x=1/../private/x", "/private/x"],
    ["/private/x;jsessionid=1", "/private/x;jsessionid=1"],
    ["/open/x?%2f", "/open/x?%2f"],
    ["/", "/"],
  ])("%s -> %s", (input, expected) => {
    expect(forwarded(input)).toBe(expected);
  });

  it.each(["/echo/%2fx", "/echo/a%2F..%2Fb", "/open/..%5Cprivate", "/open/..%5cprivate", "/pri%00vate/x"])("%s is refused (400)", (input) => {
    expect(forwarded(input)).toBe("reject");
  });

  it("unescapes %2F and %5C and then redirects or forwards, as the other actions say", () => {
    expect(forwarded("/a%2F..%2Fb%5cc?x=%2F", { ...hcm, escapedSlashesAction: "UNESCAPE_AND_REDIRECT" })).toBe("redirect /b/c?x=%2F");
    expect(forwarded("/a%2Fb", { ...hcm, escapedSlashesAction: "UNESCAPE_AND_FORWARD" })).toBe("/a/b");
    expect(forwarded("/a%2Fb", { ...hcm, escapedSlashesAction: "KEEP_UNCHANGED" })).toBe("/a%2Fb");
  });

  it("leaves the path alone when nothing is on, and merges slashes alone", () => {
    const off: PathNormalization = { normalizePath: false, mergeSlashes: false, escapedSlashesAction: "KEEP_UNCHANGED" };
    expect(forwarded("/a//../b", off)).toBe("/a//../b");
    expect(forwarded("/a//../b", { ...off, mergeSlashes: true })).toBe("/a/../b");
  });

  it("canonicalizes as Chromium: a leading slash added, escapes kept in their case", () => {
    expect(canonicalizePath("a/b")).toBe("/a/b");
    expect(canonicalizePath("")).toBe("/");
    expect(canonicalizePath("/%c0%AE")).toBe("/%c0%AE");
    expect(canonicalizePath("/a\u0001b")).toBe("/a%01b");
  });
});
