// The pipeline with module delivery, as `attache serve` runs it: delivering the modules for the
// first time must not make the next change a full model build. At 100,000 Mappings that was
// seconds for the first Mapping edit after start-up (BENCHMARKS.md, envoy-scale), where a
// patched build takes milliseconds.
import { describe, expect, it } from "vitest";
import { ModuleRegistry } from "../modules/registry.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { bundle, REPO, TEST_OPTIONS } from "../model/fixtures.ts";
import { TYPE_URL } from "../../protos/type-urls.ts";
import { registerBuiltModules } from "./modules.ts";
import { Pipeline } from "./pipeline.ts";

const CONFIG = `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: {name: tagger}
spec: {module: {local: template}}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: tagged}
spec: {prefix: /tagged/, service: "http://127.0.0.1:9001", filters: [{name: tagger}], rateLimit: {requests: 10, interval: 1m}}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: edited}
spec: {prefix: /a/, service: "http://127.0.0.1:9001"}
`;

/** The bundle with Mapping "edited" routing `prefix`; every other object the same (===), as
 *  a source hands over an edit. */
function withPrefix(before: ResourceBundle, prefix: string): ResourceBundle {
  const resources = before.resources.map((r) => (r.object.metadata?.name === "edited"
    ? { ...r, object: { ...r.object, spec: { ...(r.object as { spec: object }).spec, prefix } } }
    : r));
  return { ...before, revision: before.revision + 1, resources };
}

describe("Pipeline with module delivery", () => {
  it("patches the model for a Mapping edit right after the first delivery", () => {
    const registry = new ModuleRegistry();
    const pipeline = new Pipeline({ model: { ...TEST_OPTIONS, modules: registerBuiltModules(registry, REPO) }, modules: registry });
    const initial = bundle(CONFIG);
    const first = pipeline.apply(initial);
    expect(first.fullBuild).toBe(true);
    expect([...first.resources[TYPE_URL.typedExtensionConfig]!.keys()].sort()).toEqual(["attache.wasm/_builtin/ratelimit", "attache.wasm/default/tagger"]);
    const edited = withPrefix(initial, "/b/");
    const edit = pipeline.apply(edited);
    expect(edit.statuses.filter((s) => s.errors.length)).toEqual([]);
    expect(edit.fullBuild).toBe(false);
    expect(pipeline.apply(withPrefix(edited, "/c/")).fullBuild).toBe(false);
  });
});
