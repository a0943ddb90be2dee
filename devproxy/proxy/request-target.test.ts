// The codec's reading of a request target and the HCM's answer before routing, as Envoy 1.40
// gave them (test/pathsec/path-corpus.test.ts compares the same against real Envoy).
import { describe, expect, it } from "vitest";
import type { HcmConfig } from "../config/listeners.ts";
import { parseRequestTarget, routedTarget } from "./request-target.ts";

const hcm = { stripPort: true, normalizePath: true, mergeSlashes: true, escapedSlashesAction: "REJECT_REQUEST" } as HcmConfig;
const status = (url: string, method = "GET", host = "localhost") => {
  const t = routedTarget(url, host, method, "", false, hcm);
  return "reply" in t ? t.reply.status : `${t.authority} ${t.pathAndQuery}`;
};

describe("request target (codec) and HCM path checks", () => {
  it.each([
    ["/a/../b?x=1", "localhost /b?x=1"],
    ["http://admin.test:8080/x", "admin.test /x"],
    ["HTTP://user:pw@admin.test/x", "admin.test /x"],
    ["http://admin.test", "admin.test /"],
    ["https://admin.test/x", 403],
    ["http://admin.test?x=1", 404],
    ["ftp://admin.test/x", 400],
    ["http:/admin.test/x", 400],
    ["private/x", 400],
    ["*", 400],
    ["/x#frag", 400],
    ["/a%2Fb", 400],
    ["/a%00b", 400],
  ])("%s -> %s", (url, expected) => {
    expect(status(url)).toBe(expected);
  });

  it("takes * for OPTIONS only (then 404: no path), and refuses a Host with a space", () => {
    expect(status("*", "OPTIONS")).toBe(404);
    expect(status("/x", "GET", "a.test, b.test")).toBe(400);
    expect(status("/x", "GET", "a.test,b.test")).toBe("a.test,b.test /x");
  });

  it("accepts https absolute-form on a TLS connection", () => {
    expect(parseRequestTarget("https://admin.test/x", "", "GET", true)).toEqual({ authority: "admin.test", pathAndQuery: "/x" });
  });

  it("sends UNESCAPE_AND_REDIRECT as a 307 to the decoded path, and a 400 to gRPC", () => {
    const redirecting = { ...hcm, escapedSlashesAction: "UNESCAPE_AND_REDIRECT" } as HcmConfig;
    expect(routedTarget("/a%2Fb", "h", "GET", "", false, redirecting)).toEqual({ reply: { status: 307, headers: [["location", "/a/b"]], body: "" } });
    expect(routedTarget("/a%2Fb", "h", "POST", "application/grpc", false, redirecting)).toEqual({ reply: { status: 400, headers: [], body: "" } });
  });
});
