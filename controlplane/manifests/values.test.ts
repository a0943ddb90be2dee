// Values layering and Helm's --set syntax (strvals), as `attache manifests` applies them.
import { describe, expect, it } from "vitest";
import { checkAgainstDefaults, mergeValues, parseSet } from "./values.ts";

describe("parseSet (Helm's --set syntax)", () => {
  it.each([
    ["a=b", { a: "b" }],
    ["a.b.c=1,d=true,e=false,f=null,g=0,h=007,i=1.5", { a: { b: { c: 1 } }, d: true, e: false, f: null, g: 0, h: "007", i: "1.5" }],
    ["list={x,y,3}", { list: ["x", "y", 3] }],
    ["empty={}", { empty: [] }],
    ["a[1]=x,a[0]=y", { a: ["y", "x"] }],
    ["a[2].name=z", { a: [null, null, { name: "z" }] }],
    ["annotations.example\\.com/team=edge", { annotations: { "example.com/team": "edge" } }],
    ["msg=a\\,b,eq=x=y", { msg: "a,b", eq: "x=y" }],
  ])("%s", (arg, expected) => {
    expect(parseSet(arg)).toEqual(expected);
  });

  it("keeps every value a string with --set-string", () => {
    expect(parseSet("tag=1,on=true", true)).toEqual({ tag: "1", on: "true" });
  });

  it.each([
    ["foo", '--set "foo": expected key=value'],
    ["=1", '--set "=1": expected key=value'],
    ["a..b=1", '--set a..b: bad key segment ""'],
    ["a[x]=1", '--set a[x]: bad key segment "a[x]"'],
  ])("rejects %s naming the key", (arg, message) => {
    expect(() => parseSet(arg)).toThrow(message);
  });
});

describe("mergeValues and checkAgainstDefaults", () => {
  const defaults = { replicas: 2, enabled: false, tag: "0.1.0", image: { repository: "r", digest: "" }, list: [], selector: {} };

  it("merges maps key by key, replaces lists and scalars, and deletes keys set to null", () => {
    expect(mergeValues(defaults, { image: { digest: "sha256:x" }, list: ["a"], selector: { os: "linux" }, tag: null })).toEqual({
      replicas: 2, enabled: false, image: { repository: "r", digest: "sha256:x" }, list: ["a"], selector: { os: "linux" },
    });
  });

  it("accepts values of the default's kind, scalars for strings, and keys the chart does not define", () => {
    expect(() => checkAgainstDefaults(defaults, { replicas: 3, tag: 2, image: { digest: "d", extra: 1 }, selector: { a: "b" }, unknown: { x: 1 } }, "--values f")).not.toThrow();
  });

  it.each([
    [{ replicas: "three" }, '--values f: replicas must be a number like the chart\'s default 2, got the string "three"'],
    [{ enabled: "yes" }, "--values f: enabled must be a boolean like the chart's default false"],
    [{ image: "r:1" }, "--values f: image must be a map as in the chart's values.yaml, got the string \"r:1\""],
    [{ image: { repository: ["x"] } }, "--values f: image.repository must be a string like the chart's default \"r\", got a list"],
    [{ list: "a,b" }, "--values f: list must be a list as in the chart's values.yaml"],
  ])("rejects %j naming the key", (overlay, message) => {
    expect(() => checkAgainstDefaults(defaults, overlay, "--values f")).toThrow(message);
  });
});
