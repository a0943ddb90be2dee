// A suite that needs Envoy, for test/tools.test.ts.
import { expect, it } from "vitest";
import { describeWithTools, toolPath } from "../tools.ts";

describeWithTools(["envoy"], "a suite that runs Envoy", () => {
  it("finds the binary", () => {
    expect(toolPath("envoy")).toMatch(/envoy$/);
  });
});
