// Snapshot cache: versions from bytes, encode once and share, debounce, bad input left out.
import { describe, expect, it } from "vitest";
import { resources, routeConfig } from "../../test/xds/fixtures.ts";
import { defaultNodeGroup, SnapshotCache, type SnapshotEvent } from "./cache.ts";
import { Held, internNames, NameSet } from "./held.ts";
import { SendBudget } from "./send-budget.ts";
import { chunkBySize } from "./stream.ts";
import { TYPE_URL } from "./types.ts";

const { routeConfiguration: RDS, cluster: CDS } = TYPE_URL;
const spec = { clusters: { a: [1], b: [2] }, routes: { r1: "a", r2: "b" } };

describe("SnapshotCache", () => {
  it("derives versions from the bytes: equal content from new objects keeps every version", () => {
    const cache = new SnapshotCache();
    const first = cache.setResourcesNow(resources(spec));
    const events: SnapshotEvent[] = [];
    cache.on("snapshot", (e) => events.push(e));
    const again = cache.setResourcesNow(resources(spec));
    expect(again).toBe(first); // nothing changed: no new snapshot, no push
    expect(events).toEqual([]);

    const next = resources(spec);
    next[RDS].set("r2", routeConfig("r2", "a"));
    const changed = cache.setResourcesNow(next);
    expect(changed.version).not.toBe(first.version);
    expect(changed.types.get(CDS)).toBe(first.types.get(CDS)); // untouched type, same object and version
    expect(changed.types.get(RDS)!.version).not.toBe(first.types.get(RDS)!.version);
    expect(changed.types.get(RDS)!.resources.get("r1")).toBe(first.types.get(RDS)!.resources.get("r1"));
    expect(events[0].changes.get(RDS)).toEqual({ changed: ["r2"], removed: [] });
  });

  it("encodes a resource once and shares its bytes across snapshots and clients", () => {
    const cache = new SnapshotCache();
    const input = resources(spec);
    const a = cache.setResourcesNow(input);
    const copy = { ...input, [RDS]: new Map(input[RDS]) };
    copy[RDS].delete("r2");
    const b = cache.setResourcesNow(copy);
    expect(b.types.get(RDS)!.resources.get("r1")!.any).toBe(a.types.get(RDS)!.resources.get("r1")!.any);
    expect(b.types.get(CDS)!.sotwBody()).toBe(a.types.get(CDS)!.sotwBody());
  });

  it("leaves out a resource that does not encode, with an error naming it, and keeps the rest", () => {
    const cache = new SnapshotCache();
    const input = resources(spec);
    // @ts-expect-error conect_timeout is not a field of envoy.config.cluster.v3.Cluster
    input[CDS].set("bad", { name: "bad", type: "EDS", conect_timeout: "1s" });
    const snapshot = cache.setResourcesNow(input);
    expect(snapshot.errors).toEqual([expect.stringMatching(/^Cluster bad.*conect_timeout/)]);
    expect([...snapshot.types.get(CDS)!.resources.keys()]).toEqual(["a", "b"]);
  });

  it("debounces a burst of updates into one snapshot of the latest resources", async () => {
    const cache = new SnapshotCache({ debounceMs: 20 });
    const events: SnapshotEvent[] = [];
    cache.on("snapshot", (e) => events.push(e));
    cache.setResources(resources({ clusters: { a: [1] } }));
    cache.setResources(resources({ clusters: { a: [1], b: [2] } }));
    cache.setResources(resources({ clusters: { a: [1], b: [2], c: [3] } }));
    expect(events).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(events).toHaveLength(1);
    expect([...events[0].snapshot.types.get(CDS)!.resources.keys()]).toEqual(["a", "b", "c"]);
  });

  it("groups nodes by the attache.dev/group metadata key, default otherwise", () => {
    expect(defaultNodeGroup({ id: "x", cluster: "c", metadata: { "attache.dev/group": "canary" } })).toBe("canary");
    expect(defaultNodeGroup({ id: "x", cluster: "c", metadata: {} })).toBe("default");
  });
});

describe("stream helpers", () => {
  it("keeps a shared base and a per-client overlay of held versions", () => {
    const cache = new SnapshotCache();
    const snap = cache.setResourcesNow(resources(spec)).types.get(CDS)!;
    const held = new Held({ a: "old" });
    expect(held.version("a")).toBe("old");
    held.rebase(snap.resources);
    expect(held.version("a")).toBe(snap.resources.get("a")!.version);
    held.delete("b");
    expect(held.has("b")).toBe(false);
    expect([...held.names()]).toEqual(["a"]);
    held.set("z", "v1");
    expect([...held.names()].sort()).toEqual(["a", "z"]);
  });

  it("shares identical long subscription lists and copies on change", () => {
    const names = Array.from({ length: 100 }, (_, i) => `c${i}`);
    expect(internNames(names)).toBe(internNames([...names]));
    const set = new NameSet(internNames(names));
    set.delete("c1");
    set.add("extra");
    expect(set.has("c1")).toBe(false);
    expect(internNames(names).has("c1")).toBe(true);
    expect(set.size).toBe(100);
    expect([...set].includes("extra")).toBe(true);
  });

  it("lets writes through within the budget and holds the rest until bytes are released", () => {
    const budget = new SendBudget(100);
    const started: string[] = [];
    budget.acquire(() => (budget.take(120), started.push("a"))); // larger than the budget: goes alone
    budget.acquire(() => (budget.take(10), started.push("b")));
    budget.acquire(() => (budget.take(10), started.push("c")));
    expect(started).toEqual(["a"]);
    budget.release(120);
    expect(started).toEqual(["a", "b", "c"]);
    expect(budget.bytesInFlight).toBe(20);
  });

  it("chunks by size without splitting an item", () => {
    expect(chunkBySize([5, 5, 5, 20, 1], (n) => n, 10)).toEqual([[5, 5], [5], [20], [1]]);
  });
});
