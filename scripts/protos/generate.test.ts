// protos/gen is committed generated code: it must be exactly what `npm run protos` makes from
// the pinned descriptors (descriptors/go.mod) and protoc-gen-es (package.json), so a hand
// edit or a pin changed without regenerating fails here.
import { expect, it } from "vitest";
import { describeWithTools } from "../../test/tools.ts";
import { differences, generate } from "./generate.ts";

describeWithTools(["go"], "protos/gen is up to date (npm run protos)", () => {
  it("regenerates byte for byte", () => {
    const files = generate();
    expect(files.size).toBeGreaterThan(50);
    expect(differences(files), "run `npm run protos` and commit protos/gen").toEqual([]);
  }, 300_000);
});
