// Property: a model patched run after run (model/incremental/incremental.ts) is exactly the model a fresh
// run builds from the same bundle — IR and statuses deep-equal, lastTransitionTime aside —
// over random sequences of edits that add, change and remove Mappings, Hosts, WasmFilters
// and Services. Bundles keep the same object for every untouched resource, as sources do,
// so most steps take the incremental path (counted below, or the property proves little).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildModel, createModelCache } from "../index.ts";
import { TEST_OPTIONS } from "../fixtures.ts";
import type { BundleResource, KubeObject, ResourceBundle } from "../../sources/bundle.ts";
import type { ModelResult } from "../types.ts";

const GROUP = "attache.dev/v1alpha1";
const mappingName = fc.constantFrom("m1", "m3", "m5", "m7", "m9", "m12", "m14", "m15");
const mappingSpec = fc.record({
  // Few distinct matches, so Mappings often share a route (canary groups, shadows).
  prefix: fc.constantFrom("/a/", "/a/", "/a/", "/b/", "/"),
  service: fc.constantFrom("http://127.0.0.1:9001", "http://127.0.0.1:9002", "echo:80", "missing:80"),
  hostname: fc.constantFrom("*", "a.test", "a.test", "b.test", "*.test"),
  weight: fc.option(fc.constantFrom(10, 50, 90), { freq: 2, nil: undefined }),
  shadow: fc.option(fc.constant(true), { freq: 8, nil: undefined }),
  canary: fc.option(fc.constant({}), { freq: 8, nil: undefined }),
  rateLimit: fc.option(fc.constantFrom({ requests: 5, interval: "1s" }, { requests: 7, interval: "1m" }), { freq: 3, nil: undefined }),
  filters: fc.option(fc.constantFrom([{ name: "w" }], [{ name: "w", config: { tag: "x" } }], [{ name: "gone" }]), { freq: 4, nil: undefined }),
  host: fc.option(fc.constantFrom("h1", "h9"), { freq: 8, nil: undefined }),
  timeout: fc.option(fc.constantFrom("5s", "soon"), { freq: 6, nil: undefined }),
  bypassAuth: fc.option(fc.constant(true), { freq: 6, nil: undefined }),
}, { requiredKeys: ["prefix", "service"] });
const labels = fc.option(fc.constant({ team: "x" }), { nil: undefined });
const mapping = fc.tuple(mappingName, mappingSpec, labels)
  .map(([name, spec, labels]): KubeObject => ({ apiVersion: GROUP, kind: "Mapping", metadata: { name, labels }, spec }));
const host = fc.tuple(fc.constantFrom("h1", "h2", "h3"), fc.constantFrom("a.test", "b.test", "*.test", "*"), fc.option(fc.constant({ matchLabels: { team: "x" } }), { freq: 3, nil: undefined }))
  .map(([name, hostname, mappingSelector]): KubeObject => ({ apiVersion: GROUP, kind: "Host", metadata: { name }, spec: { hostname, mappingSelector } }));
const wasmFilter = fc.constantFrom("https://x/f.wasm", "https://x/g.wasm")
  .map((url): KubeObject => ({ apiVersion: GROUP, kind: "WasmFilter", metadata: { name: "w" }, spec: { module: { url, sha256: "f".repeat(64) } } }));
const service = fc.constantFrom(80, 8080)
  .map((port): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port }] } }));
const authService = fc.constant<KubeObject>({ apiVersion: GROUP, kind: "AuthService", metadata: { name: "auth" }, spec: { service: "http://127.0.0.1:9003", hosts: ["h2"] } });
const anyResource = fc.oneof({ weight: 8, arbitrary: mapping }, { weight: 2, arbitrary: host }, { weight: 1, arbitrary: wasmFilter }, { weight: 1, arbitrary: service }, { weight: 1, arbitrary: authService });

type Edit =
  | { op: "replace" | "insert"; at: number; object: KubeObject }
  | { op: "respec"; at: number; spec: Record<string, unknown>; labels?: Record<string, string> }
  | { op: "remove"; at: number }
  | { op: "move"; at: number }
  | { op: "batch"; edits: Edit[] };
const edit = fc.oneof(
  // The usual edit: a Mapping's spec (or labels) changes, its name stays.
  { weight: 6, arbitrary: fc.record({ op: fc.constant("respec" as const), at: fc.nat(), spec: mappingSpec, labels }, { requiredKeys: ["op", "at", "spec"] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), object: fc.oneof({ weight: 6, arbitrary: mapping }, { weight: 1, arbitrary: anyResource }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("insert" as const), at: fc.nat(), object: fc.oneof({ weight: 6, arbitrary: mapping }, { weight: 1, arbitrary: anyResource }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), at: fc.nat() }) },
  // A debounced batch: two Mappings edited at once, possibly far apart in the list.
  { weight: 2, arbitrary: fc.array(fc.record({ op: fc.constant("respec" as const), at: fc.nat(), spec: mappingSpec }), { minLength: 2, maxLength: 2 }).map((edits): Edit => ({ op: "batch", edits })) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("move" as const), at: fc.nat() }) },
);

/** A new list with one edit; every other element is the same wrapper object. */
function apply(resources: readonly BundleResource[], e: Edit, step: number): BundleResource[] {
  if (e.op === "batch") return e.edits.reduce((list, one) => apply(list, one, step), resources as BundleResource[]);
  const next = resources.slice();
  const at = next.length ? e.at % next.length : 0;
  const location = { file: "edits.yaml", line: step + 1 };
  const wrap = (object: KubeObject) => ({ object: JSON.parse(JSON.stringify(object)) as KubeObject, location });
  if (e.op === "insert") next.splice(e.at % (next.length + 1), 0, wrap(e.object));
  else if (!next.length) return next;
  else if (e.op === "replace") next[at] = wrap(e.object);
  else if (e.op === "respec") {
    const old = next[at].object;
    if (old?.kind !== "Mapping") return next;
    next[at] = wrap({ ...old, metadata: { ...old.metadata, labels: e.labels }, spec: e.spec });
  }
  else if (e.op === "remove") next.splice(at, 1);
  else next[at] = { object: next[at].object, location }; // same object, new place in the file
  return next;
}

/** `list` with element `at` replaced (Array.prototype.with is newer than the tsconfig lib). */
const replaced = <T>(list: readonly T[], at: number, item: T): T[] => list.map((x, i) => (i === at ? item : x));

/** IR and statuses with lastTransitionTime blanked: a patched status keeps the time of its
 *  last change, a fresh one has the time of its run. */
function comparable(result: ModelResult) {
  return { ir: result.ir, statuses: result.statuses.map((s) => ({ ...s, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: "" })) })) };
}

describe("incremental model", () => {
  it("patched runs equal fresh runs over random edit sequences", () => {
    const taken = { incremental: 0, full: 0 };
    fc.assert(fc.property(fc.array(anyResource, { minLength: 3, maxLength: 12 }), fc.array(edit, { minLength: 1, maxLength: 12 }), (initial, edits) => {
      const cache = createModelCache();
      // Unique Mapping names to start with (duplicates come only from inserts).
      const named = initial.map((object, i) => (object.kind === "Mapping" ? { ...object, metadata: { ...object.metadata, name: `m${i}` } } : object));
      let resources: BundleResource[] = named.map((object, i) => ({ object, location: { file: "start.yaml", line: i + 1 } }));
      const bundle = (revision: number): ResourceBundle => ({ revision, resources, errors: [] });
      buildModel(bundle(0), { ...TEST_OPTIONS, cache });
      edits.forEach((e, step) => {
        resources = apply(resources, e, step);
        const now = `2026-01-01T00:00:${String(step + 1).padStart(2, "0")}Z`;
        const state = cache.state;
        const patched = buildModel(bundle(step + 1), { ...TEST_OPTIONS, cache, now });
        taken[cache.state === state ? "incremental" : "full"]++;
        const fresh = buildModel(bundle(step + 1), { ...TEST_OPTIONS, now });
        expect(comparable(patched), `after edit ${step}: ${JSON.stringify(e)}`).toEqual(comparable(fresh));
      });
    }), { numRuns: 1000 });
    expect(taken.incremental, "steps patched incrementally").toBeGreaterThan(2000);
    expect(taken.full, "steps that fell back to a full build").toBeGreaterThan(300);
  });

  const doc = (kind: string, name: string, spec: Record<string, unknown>): BundleResource => ({ object: { apiVersion: GROUP, kind, metadata: { name }, spec } });
  const route = (name: string, spec: Record<string, unknown> = {}) => doc("Mapping", name, { prefix: "/a/", service: "http://127.0.0.1:9001", ...spec });
  const hostA = doc("Host", "a", { hostname: "a.test" });
  const hostB = doc("Host", "b", { hostname: "b.test" });
  const filter = doc("WasmFilter", "w", { module: { url: "https://x/f.wasm", sha256: "f".repeat(64) } });
  const oldX = route("x", { weight: 20 });
  const accepted = (r: ModelResult, name: string) => r.statuses.find((s) => s.ref.name === name)!.conditions[0];
  const cases: { name: string; earlier?: BundleResource[]; before: BundleResource[]; edit: (list: BundleResource[]) => BundleResource[]; check: (r: ModelResult) => void }[] = [
    {
      name: "removing a canary group's primary drops the other member's note",
      before: [route("canary", { weight: 10 }), route("main")],
      edit: (l) => l.slice(0, 1),
      check: (r) => expect(accepted(r, "canary").message).toBe("Accepted"),
    },
    {
      name: "an edit that pushes a group's weights over 100 rejects its weighted members",
      before: [route("x", { weight: 60 }), route("y", { weight: 30 }), route("z")],
      edit: (l) => replaced(l, 1, route("y", { weight: 50 })),
      check: (r) => expect([accepted(r, "x").reason, accepted(r, "y").reason, accepted(r, "z").status]).toEqual(["InvalidWeights", "InvalidWeights", "True"]),
    },
    {
      name: "a Mapping no Host selects brings the catch-all virtual host, and takes it away",
      before: [hostA, route("on-a", { hostname: "a.test" })],
      edit: (l) => [...l, route("lost", { hostname: "c.test" })],
      check: (r) => expect(r.ir.virtualHosts.map((v) => v.name)).toEqual(["attache/default", "default/a"]),
    },
    {
      name: "removing the catch-all's last Mapping removes it",
      before: [hostA, route("on-a", { hostname: "a.test" }), route("lost", { hostname: "c.test" })],
      edit: (l) => l.slice(0, 2),
      check: (r) => expect(r.ir.virtualHosts.map((v) => v.name)).toEqual(["default/a"]),
    },
    {
      name: "removing the last Mapping of a filter and a cluster removes both",
      before: [filter, route("plain"), route("filtered", { prefix: "/f/", service: "http://127.0.0.1:9009", filters: [{ name: "w" }] })],
      edit: (l) => l.slice(0, 2),
      check: (r) => expect([r.ir.wasmFilters.length, r.ir.clusters.map((c) => c.name)]).toEqual([0, ["url/127.0.0.1:9001"]]),
    },
    {
      name: "a Mapping for every hostname is edited on every virtual host",
      before: [hostA, hostB, route("everywhere", { rateLimit: { requests: 5 } })],
      edit: (l) => replaced(l, 2, route("everywhere", { rateLimit: { requests: 6 } })),
      check: (r) => expect(Object.values(r.ir.wasmFilters[0].configuration.routes as object)).toEqual([{ requests: 6 }]),
    },
    {
      // A new "x" document ahead of the old one: the old one turns Duplicate (with a ref of
      // its own, not the name's it had as the first "x"); the edit must rewrite the first.
      name: "a group edit rewrites the status of a Mapping whose name a later duplicate shares",
      earlier: [route("main"), oldX],
      before: [route("main"), route("x", { weight: 10 }), oldX],
      edit: (l) => replaced(l, 0, route("main", { prefix: "/b/" })),
      check: (r) => expect(r.statuses.filter((s) => s.ref.name === "x").map((s) => s.conditions[0].message))
        .toEqual(["Accepted", "metadata.name: duplicate Mapping default/x; the first one is used"]),
    },
  ];
  it.each(cases)("$name (patched equals fresh)", ({ earlier, before, edit, check }) => {
    const cache = createModelCache();
    if (earlier) buildModel({ revision: 0, resources: earlier, errors: [] }, { ...TEST_OPTIONS, cache });
    buildModel({ revision: 1, resources: before, errors: [] }, { ...TEST_OPTIONS, cache });
    const state = cache.state;
    const after = edit(before);
    const patched = buildModel({ revision: 2, resources: after, errors: [] }, { ...TEST_OPTIONS, cache });
    expect(cache.state, "took the incremental path").toBe(state);
    expect(comparable(patched)).toEqual(comparable(buildModel({ revision: 2, resources: after, errors: [] }, TEST_OPTIONS)));
    check(patched);
  });

  it("a document that turned Duplicate does not re-stamp the valid one's status time on later builds", () => {
    const cache = createModelCache();
    const build = (resources: BundleResource[], revision: number, now: string) => buildModel({ revision, resources, errors: [] }, { ...TEST_OPTIONS, cache, now });
    build([route("main"), oldX], 0, "2026-01-01T00:00:00Z");
    const newX = route("x", { weight: 10 });
    const before = [route("main"), newX, oldX];
    build(before, 1, "2026-01-01T00:00:01Z");
    // Full builds (a WasmFilter change forces one) with nothing changed for "x".
    const state = cache.state;
    const later = build([filter, ...before], 2, "2026-01-01T00:00:02Z");
    expect(cache.state, "took a full build").not.toBe(state);
    const again = build(before, 3, "2026-01-01T00:00:03Z");
    const times = (r: ModelResult) => r.statuses.filter((s) => s.ref.name === "x").map((s) => s.conditions[0].lastTransitionTime);
    // "x" has been Accepted since the first build (its first document changed, its status did not).
    expect(times(later)).toEqual(["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"]);
    expect(times(again)).toEqual(["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"]);
  });

  it("a one-Mapping edit keeps every other status, virtual host and cluster object", () => {
    const cache = createModelCache();
    const on = (name: string, hostname: string, timeout = "3s") => route(name, { prefix: `/${name}/`, hostname, timeout });
    const resources = [hostA, hostB, on("x", "a.test"), on("y", "b.test"), on("z", "b.test")];
    const first = buildModel({ revision: 1, resources, errors: [] }, { ...TEST_OPTIONS, cache });
    const state = cache.state;
    const edited = replaced(resources, 3, on("y", "b.test", "9s"));
    const second = buildModel({ revision: 2, resources: edited, errors: [] }, { ...TEST_OPTIONS, cache });
    expect(cache.state, "took the incremental path").toBe(state);
    expect(second.ir.virtualHosts[0]).toBe(first.ir.virtualHosts[0]); // default/a untouched
    expect(second.ir.virtualHosts[1]).not.toBe(first.ir.virtualHosts[1]);
    expect(second.ir.virtualHosts[1].routes.find((r) => r.name === "default/y")!.action).toMatchObject({ timeoutMs: 9000 });
    expect(second.ir.clusters).toEqual(first.ir.clusters);
    second.ir.clusters.forEach((c, i) => expect(c).toBe(first.ir.clusters[i]));
    second.statuses.forEach((s, i) => expect(s, s.ref.name).toBe(first.statuses[i]));
  });
});
