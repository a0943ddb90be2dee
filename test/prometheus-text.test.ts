// The /metrics tests are only as strict as this reader: it must accept real prom-client output
// and reject each kind of malformed exposition with the offending line.
import { describe, expect, it } from "vitest";
import { ControlPlaneMetrics } from "../controlplane/admin/metrics.ts";
import { parseExposition } from "./prometheus-text.ts";

const histogram = (buckets: Array<[string, number]>, count: number) =>
  `# TYPE h histogram\n${buckets.map(([le, v]) => `h_bucket{le="${le}"} ${v}`).join("\n")}\nh_sum 1.5\nh_count ${count}\n`;

describe("parseExposition", () => {
  it("reads prom-client's own output, labels and values included", async () => {
    const metrics = new ControlPlaneMetrics();
    metrics.nacks.inc({ type: "Cluster" });
    metrics.translationSeconds.observe(0.003);
    metrics.setResourceCounts([{ kind: "Mapping", accepted: "False", count: 2 }]);
    const m = parseExposition(await metrics.registry.metrics());
    expect(m.value("attache_xds_nacks_total", { type: "Cluster" })).toBe(1);
    expect(m.value("attache_translation_duration_seconds_bucket", { le: "0.005" })).toBe(1);
    expect(m.value("attache_translation_duration_seconds_bucket", { le: "+Inf" })).toBe(1);
    expect(m.value("attache_resources", { kind: "Mapping", accepted: "False" })).toBe(2);
  });

  it("reads escaped label values, special floats and timestamps", () => {
    const m = parseExposition('# HELP g a \\\\ help\\n line\n# TYPE g gauge\ng{path="C:\\\\x",q="say \\"hi\\""} -Inf 1700000000000\ng{path="y"} Nan\ng{path="z"} 1.5e-3\ng{path="w"} +inf\n');
    expect(m.value("g", { path: "C:\\x", q: 'say "hi"' })).toBe(-Infinity);
    expect(m.value("g", { path: "y" })).toBeNaN();
    expect(m.value("g", { path: "z" })).toBe(0.0015);
    expect(m.value("g", { path: "w" })).toBe(Infinity);
  });

  it.each([
    ["a sample without TYPE", "x 1\n", /line 1 .*before \(or without\) its TYPE/],
    ["a TYPE after its samples", "# TYPE x gauge\nx 1\n# TYPE x counter\n", /second TYPE/],
    ["an unknown type", "# TYPE x meter\n", /malformed TYPE/],
    ["a value that is not a float", "# TYPE x gauge\nx one\n", /line 2 .*not a valid sample/],
    ["an unquoted label value", "# TYPE x gauge\nx{a=b} 1\n", /not a valid sample/],
    ["a bad escape in a label value", '# TYPE x gauge\nx{a="\\t"} 1\n', /not a valid sample/],
    ["a repeated label", '# TYPE x gauge\nx{a="1",a="2"} 1\n', /label a twice/],
    ["no final line feed", "# TYPE x gauge\nx 1", /line feed/],
    ["a bucket without le", "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n", /without le/],
    ["buckets that shrink", histogram([["1", 3], ["2", 2], ["+Inf", 3]], 3), /not cumulative/],
    ["no +Inf bucket", histogram([["1", 1], ["2", 1]], 1), /no le="\+Inf"/],
    ["a _count that is not the +Inf bucket", histogram([["1", 1], ["+Inf", 2]], 3), /_count differs/],
  ])("rejects %s", (_name, text, error) => {
    expect(() => parseExposition(text)).toThrow(error);
  });
});
