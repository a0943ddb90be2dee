import { describe, expect, it } from "vitest";
import { checkRegex } from "./regex.ts";
import { re2ProgramSize, RE2_MAX_PROGRAM_SIZE } from "./re2-program-size.ts";

// Envoy 1.40's own counts, from its "RE2 program size of N > max program size of 1" errors
// (test/envoy/re2-program-size.test.ts re-measures them with Envoy running).
const ENVOY_SIZES: Record<string, number> = {
  "/a": 6, "/ab": 7, "/[a-f]": 6, "/[a-f0-9]": 7, "/a*": 6, "/a+": 7, "/a?": 7, "/(a|b)": 8, "/a|/b": 6,
  "/(a)": 8, "/.*": 7, "/.": 7, "/[^/]+": 8, "/[a-z]+/[0-9]+": 10, "^/users/[0-9]+$": 6, "/x\\d+": 8,
  "/(?i)abc": 8, "/ü": 7, "/api/v[0-9]+/.*": 15, "/[a-f0-9]{36}": 77,
  "/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}": 73, "/(foo|bar|baz)/.*": 17,
  "/big/[a-f0-9]{600}": 1209, "/v[0-9]{2,4}/x": 14, "/(a|bc)+d": 12, "/[A-Z]{3}": 8,
  "^/static/.*\\.(css|js)$": 14, "/users/([0-9]+)/orders": 22, "/é+": 8, "/[a-zA-Z0-9_-]+": 10,
  "(?i)/API/[a-z]+": 11, "/(?:x|y)*z?": 8, "/\\w+\\s*": 13, "^/$": 4, "/[^a-z]": 7,
};

describe("re2ProgramSize", () => {
  it.each(Object.entries(ENVOY_SIZES))("%s: Envoy counts %i", (regex, size) => {
    expect(re2ProgramSize(regex)).toBe(size);
  });

  it("counts one more than Envoy for a counted repetition with a range (never less)", () => {
    expect(re2ProgramSize("/item/[0-9]{1,10}$")).toBe(30); // Envoy: 29
  });

  it("makes the model reject a regex over the limit with the size and the limit", () => {
    expect(checkRegex("/[a-f0-9]{600}")).toBe(`invalid RE2 regular expression "/[a-f0-9]{600}": RE2 program size 1205 is over the limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy refuses larger regexes; simplify it, e.g. fewer or smaller repetitions)`);
    expect(checkRegex("/[a-f0-9]{36}")).toBeNull();
  });
});
