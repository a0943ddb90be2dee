import { describe, expect, it } from "vitest";
import { endpointSlice, mapping, service } from "../../test/kubernetes/fixtures.ts";
import { buildModel, createModelCache, type ModelOptions } from "../model/index.ts";
import { translate, TYPE } from "../translate/index.ts";
import type { KubeObject, ResourceBundle } from "../sources/bundle.ts";
import { updateEndpoints } from "./endpoints-fast-path.ts";

const options: ModelOptions = { moduleServer: { clusterName: "attache-modules", host: "127.0.0.1", port: 18002 }, modules: {}, now: "2026-01-01T00:00:00Z" };
const bundleOf = (revision: number, objects: KubeObject[]): ResourceBundle => ({ revision, resources: objects.map((object) => ({ object })), errors: [] });

const base = [
  service("a"),
  service("b"),
  mapping("a", { prefix: "/a/", service: "a" }),
  mapping("a-grpc", { prefix: "/a-grpc/", service: "a", grpc: true }),
  mapping("b", { prefix: "/b/", service: "b" }),
];

describe("updateEndpoints", () => {
  it("gives the same ClusterLoadAssignments as a full model run, touching only the changed ones", () => {
    const sliceB = endpointSlice("b", ["10.0.1.1"]);
    const before = bundleOf(1, [...base, endpointSlice("a", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]), sliceB]);
    const first = buildModel(before, { ...options, cache: createModelCache() });
    const previous = { ir: first.ir, resources: translate(first.ir) };
    for (const scaled of [[], ["10.0.0.9", "10.0.0.4"]]) {
      const after = bundleOf(2, [...base, endpointSlice("a", scaled, "default", ["10.0.0.4"]), sliceB]);
      const fast = updateEndpoints(previous, after, new Set(["default/a"]));
      const full = translate(buildModel(after, { ...options, cache: createModelCache() }).ir);
      expect(Object.fromEntries(fast.resources[TYPE.clusterLoadAssignment])).toEqual(Object.fromEntries(full[TYPE.clusterLoadAssignment]));
      expect(fast.changed.sort()).toEqual([...previous.ir.clusters.map((c) => c.name).filter((n) => n.startsWith("default/a:"))].sort());
      expect(fast.resources[TYPE.clusterLoadAssignment].get("default/b:80")).toBe(previous.resources[TYPE.clusterLoadAssignment].get("default/b:80"));
      expect(fast.resources[TYPE.routeConfiguration]).toBe(previous.resources[TYPE.routeConfiguration]);
    }
    const ready = updateEndpoints(previous, bundleOf(3, [...base, endpointSlice("a", ["10.0.0.9", "10.0.0.4"], "default", ["10.0.0.4"]), sliceB]), new Set(["default/a"]));
    const cla = ready.resources[TYPE.clusterLoadAssignment].get("default/a:80") as any;
    expect(cla.endpoints[0].lb_endpoints.map((e: any) => e.endpoint.address.socket_address.address)).toEqual(["10.0.0.9"]);
  });

  it("changes nothing when the endpoints are the same", () => {
    const bundle = bundleOf(1, [...base, endpointSlice("a", ["10.0.0.1"])]);
    const model = buildModel(bundle, { ...options, cache: createModelCache() });
    const previous = { ir: model.ir, resources: translate(model.ir) };
    const again = updateEndpoints(previous, bundleOf(2, [...base, endpointSlice("a", ["10.0.0.1"])]), new Set(["default/a"]));
    expect(again.changed).toEqual([]);
    expect(again.resources).toBe(previous.resources);
  });
});
