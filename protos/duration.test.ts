import { describe, expect, it } from "vitest";
import { formatProtoDuration, msToProtoDuration, parseProtoDuration, protoDurationToMs } from "./duration.ts";

describe("proto3 JSON Duration", () => {
  it.each([
    ["3s", { seconds: 3, nanos: 0 }],
    ["1.5s", { seconds: 1, nanos: 500_000_000 }],
    ["0.000000001s", { seconds: 0, nanos: 1 }],
    ["-2.25s", { seconds: -2, nanos: -250_000_000 }],
  ])("parses %s and formats it back", (text, parts) => {
    expect(parseProtoDuration(text)).toEqual(parts);
    expect(formatProtoDuration(parts.seconds, parts.nanos)).toBe(text);
  });

  it.each(["3", "250ms", "1m", "1.0000000001s", " 3s", "s"])("rejects %j", (text) => {
    expect(parseProtoDuration(text)).toBeUndefined();
    expect(() => protoDurationToMs(text)).toThrow(`invalid duration ${JSON.stringify(text)}`);
  });

  it("converts to and from milliseconds as the translator and the data plane use them", () => {
    expect(protoDurationToMs("1.5s")).toBe(1500);
    expect(protoDurationToMs("0.25s")).toBe(250);
    expect(msToProtoDuration(3000)).toBe("3s");
    expect(msToProtoDuration(250)).toBe("0.25s");
    expect(msToProtoDuration(1001.4)).toBe("1.001s");
    expect(msToProtoDuration(-5)).toBe("0s");
  });
});
