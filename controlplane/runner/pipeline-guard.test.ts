// A batch that makes the model or translator throw (a bug, or a source handing over an object
// that cannot be read) must not take the control plane down: the previous config stays in
// force, and the error is shown with the source errors (diagnostics page) and logged.
import { describe, expect, it } from "vitest";
import pino from "pino";
import { Writable } from "node:stream";
import type { ResourceBundle } from "../sources/bundle.ts";
import { bundle, TEST_OPTIONS } from "../model/fixtures.ts";
import { Pipeline } from "./pipeline.ts";

const good = `apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata: {name: good}\nspec: {prefix: /good/, service: "http://127.0.0.1:9001"}\n`;
/** An object whose every property read throws, as a buggy source might hand over. */
const unreadable = new Proxy({}, { get() { throw new Error("object cannot be read"); } });

function capture() {
  const lines: Array<{ level: number; msg: string; error?: string }> = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { lines, logger: pino({ level: "info" }, sink) };
}

describe("Pipeline guard", () => {
  it("a batch that throws keeps the previous config and reports the error", async () => {
    const { lines, logger } = capture();
    const pipeline = new Pipeline({ model: TEST_OPTIONS, logger });
    const published: unknown[] = [];
    pipeline.on("result", (r) => published.push(r.resources));
    const first = pipeline.apply(bundle(good));
    const broken: ResourceBundle = { revision: first.revision + 1, resources: [{ object: unreadable }], errors: [] };
    const after = pipeline.apply(broken);
    expect(published).toHaveLength(1); // nothing new reached the xDS server
    expect(after.resources).toBe(first.resources);
    expect(after.sourceErrors).toEqual([{ location: { file: "(pipeline)", line: 0 }, message: expect.stringMatching(/^internal error translating revision \d+, previous config kept: object cannot be read$/) }]);
    await new Promise((r) => setImmediate(r));
    expect(lines.some((l) => l.level === 50 && l.msg === "config batch failed")).toBe(true);
  });

  it("a first batch that throws starts from an empty config instead of not starting", () => {
    const pipeline = new Pipeline({ model: TEST_OPTIONS });
    const result = pipeline.apply({ revision: 1, resources: [{ object: unreadable }], errors: [] });
    expect(result.ir.virtualHosts.flatMap((v) => v.routes)).toEqual([]);
    expect(result.sourceErrors[0].message).toMatch(/^internal error translating revision 1/);
  });
});
