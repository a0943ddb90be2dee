// A large first configuration is built in slices (runner/slices.ts): the event loop turns while
// the model, translation and encoding run, so the xDS server keeps answering, and the result is
// exactly what the build at once gives.
import { describe, expect, it } from "vitest";
import type { BundleResource, ResourceBundle } from "../sources/bundle.ts";
import { TEST_OPTIONS } from "../model/fixtures.ts";
import { SnapshotCache } from "../xds/cache.ts";
import { Pipeline } from "./pipeline.ts";
import { runInSlices, runToEnd } from "./slices.ts";

const GROUP = "attache.dev/v1alpha1";

/** `hosts` Hosts (every other one with TLS) with 20 Mappings each over 50 Services. */
function workload(hosts: number): ResourceBundle {
  const resources: BundleResource[] = [];
  const add = (object: BundleResource["object"]) => resources.push({ object });
  const meta = (name: string) => ({ name, namespace: "default", generation: 1 });
  add({ apiVersion: GROUP, kind: "WasmFilter", metadata: meta("tagger"), spec: { module: { builtin: "ratelimit" } } });
  for (let h = 0; h < hosts; h++) {
    const tls = h % 2 === 0;
    if (tls) add({ apiVersion: "v1", kind: "Secret", metadata: meta(`h${h}-tls`), type: "kubernetes.io/tls", stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "tls.key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n" } });
    add({ apiVersion: GROUP, kind: "Host", metadata: meta(`h${h}`), spec: { hostname: `h${h}.example.com`, ...(tls ? { tlsSecret: { name: `h${h}-tls` } } : {}) } });
    for (let i = 0; i < 20; i++) {
      const n = h * 20 + i;
      add({ apiVersion: GROUP, kind: "Mapping", metadata: meta(`m${n}`), spec: { hostname: `h${h}.example.com`, prefix: `/api/${i}/`, service: `svc${n % 50}`, ...(n % 3 === 0 ? { filters: [{ name: "tagger" }] } : {}) } });
    }
  }
  for (let s = 0; s < 50; s++) add({ apiVersion: "v1", kind: "Service", metadata: meta(`svc${s}`), spec: { ports: [{ port: 80 }] } });
  return { revision: 1, resources, errors: [] };
}

/** Counts event-loop turns until stopped. */
function countTurns(): { stop(): number } {
  let turns = 0;
  let running = true;
  const tick = () => { if (running) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  return { stop: () => { running = false; return turns; } };
}

describe("work in slices", () => {
  it("lets the event loop turn between slices and returns the generator's result", async () => {
    function* busy(): Generator<void, string, void> {
      for (let step = 0; step < 10; step++) {
        const until = performance.now() + 10;
        while (performance.now() < until) { /* a step of synchronous work */ }
        yield;
      }
      return "done";
    }
    const turns = countTurns();
    expect(await runInSlices(busy(), 20)).toBe("done");
    expect(turns.stop()).toBeGreaterThanOrEqual(3);
    expect(runToEnd(busy())).toBe("done");
  });

  it("builds a large configuration in slices with the same xDS resources and snapshot as at once", async () => {
    const bundle = workload(200);
    const atOnce = new Pipeline({ model: TEST_OPTIONS }).apply(bundle);
    const sliced = new Pipeline({ model: TEST_OPTIONS });
    const turns = countTurns();
    const result = await sliced.applyInSlices(bundle);
    const cache = new SnapshotCache();
    await runInSlices(cache.encodeAhead(result.resources));
    const during = turns.stop();
    expect(during).toBeGreaterThan(0);
    expect(result.statuses.filter((s) => s.errors.length)).toEqual([]);
    expect(JSON.stringify(result.resources, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)))
      .toBe(JSON.stringify(atOnce.resources, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)));
    expect(cache.setResourcesNow(result.resources).version).toBe(new SnapshotCache().setResourcesNow(atOnce.resources).version);
  });

  it("runs bundles in the order given, and refuses a build at once in the middle of one in slices", async () => {
    const pipeline = new Pipeline({ model: TEST_OPTIONS });
    const first = pipeline.applyInSlices(workload(50));
    expect(() => pipeline.apply(workload(1))).toThrow(/applyInSlices/);
    const second = pipeline.applyInSlices({ ...workload(2), revision: 2 });
    const revisions: number[] = [];
    await Promise.all([first.then((r) => revisions.push(r.revision)), second.then((r) => revisions.push(r.revision))]);
    expect(revisions).toEqual([1, 2]);
    expect(pipeline.latest?.revision).toBe(2);
  });
});
