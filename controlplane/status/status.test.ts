// Status write-back and leader election against the API stand-in.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emissaryTypes, KubeApiStandIn } from "../../test/kube-apiserver/index.ts";
import { eventually, mapping } from "../../test/kubernetes/fixtures.ts";
import type { ResourceStatus } from "../model/index.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { LeaderElector } from "./leader.ts";
import { ProgrammedTracker } from "./programmed.ts";
import { StatusWriter } from "./writer.ts";

let api: KubeApiStandIn;
beforeEach(async () => {
  api = await KubeApiStandIn.start();
});
afterEach(async () => api.close());

const T0 = "2026-01-01T00:00:00Z";
const LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
const ROUTES = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const ref = { kind: "Mapping", namespace: "default", name: "api" };
const accepted = (generation = 1): ResourceStatus => ({
  ref,
  conditions: [
    { type: "Accepted", status: "True", reason: "Accepted", message: "Accepted", observedGeneration: generation, lastTransitionTime: T0 },
    { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs", message: "All references resolved", observedGeneration: generation, lastTransitionTime: T0 },
  ],
  errors: [],
});
const invalid: ResourceStatus = {
  ref,
  conditions: [
    { type: "Accepted", status: "False", reason: "Invalid", message: 'spec.timeout: invalid duration "3 seconds"', observedGeneration: 2, lastTransitionTime: T0 },
    { type: "ResolvedRefs", status: "Unknown", reason: "Invalid", message: "References were not checked: the resource is invalid", observedGeneration: 2, lastTransitionTime: T0 },
  ],
  errors: ['Mapping default/api: spec.timeout: invalid duration "3 seconds"'],
};
const bundleOf = (...objects: Record<string, any>[]): ResourceBundle => ({ revision: 1, resources: objects.map((object) => ({ object })), errors: [] });

function writerFor(programmed?: ProgrammedTracker, now = () => "2026-01-01T00:00:05Z") {
  return new StatusWriter({
    kubeConfig: api.kubeConfig(),
    lookup: (apiVersion, kind, namespace, name) => {
      try {
        return api.store.get(api.typeOf(apiVersion, kind), namespace, name);
      } catch {
        return undefined;
      }
    },
    programmed,
    now,
  });
}
const statusPatches = () => api.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/status"));
const liveConditions = (apiVersion = "attache.dev/v1alpha1", kind = "Mapping") => api.store.get(api.typeOf(apiVersion, kind), "default", "api").status;

describe("StatusWriter", () => {
  it("patches Accepted, ResolvedRefs and Programmed through the status subresource, once", async () => {
    const object = api.put(mapping("api", { prefix: "/", service: "api" }));
    const programmed = new ProgrammedTracker();
    const writer = writerFor(programmed);
    writer.setLeader(true);
    writer.update(bundleOf(object), [accepted()]);
    await writer.idle();
    expect(statusPatches()).toHaveLength(1);
    expect(statusPatches()[0].contentType).toBe("application/merge-patch+json");
    expect(liveConditions().conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ["Accepted", "True", "Accepted"],
      ["ResolvedRefs", "True", "ResolvedRefs"],
      ["Programmed", "Unknown", "Pending"],
    ]);
    // The same result again: nothing to write.
    writer.update(bundleOf(object), [accepted()]);
    await writer.idle();
    expect(statusPatches()).toHaveLength(1);

    // A proxy connects and ACKs the snapshot holding generation 1: Programmed turns True,
    // and the conditions whose status did not change keep their lastTransitionTime.
    programmed.published("s1", new Map([[LISTENER, "l1"], [ROUTES, "h1"]]), [{ ref, content: "1" }]);
    programmed.sent("envoy-1", LISTENER);
    programmed.sent("envoy-1", ROUTES);
    programmed.ack("envoy-1", LISTENER, "l1");
    writer.reconcile();
    await writer.idle();
    expect(liveConditions().conditions.find((c: any) => c.type === "Programmed")).toMatchObject({ status: "Unknown", reason: "Pending" });
    programmed.ack("envoy-1", ROUTES, "h1");
    const later = accepted();
    for (const c of later.conditions) c.lastTransitionTime = "2026-01-01T00:01:00Z";
    writer.update(bundleOf(object), [later]);
    await writer.idle();
    // Pending (not yet published) -> Pending (waiting for the RouteConfiguration ACK) -> Programmed.
    expect(statusPatches()).toHaveLength(3);
    const after = liveConditions().conditions;
    expect(after.find((c: any) => c.type === "Programmed")).toMatchObject({ status: "True", reason: "Programmed", message: "Acknowledged by 1 proxy" });
    expect(after.find((c: any) => c.type === "Accepted").lastTransitionTime).toBe(T0);
    expect(after.find((c: any) => c.type === "Programmed").lastTransitionTime).toBe("2026-01-01T00:00:05Z");
  });

  it("reports a NACK as Programmed=False with the proxy's error", async () => {
    const object = api.put(mapping("api", { prefix: "/", service: "api" }));
    const programmed = new ProgrammedTracker();
    programmed.published("s7", new Map([[LISTENER, "l1"], [ROUTES, "h7"]]), [{ ref, content: "1" }]);
    programmed.ack("envoy-1", LISTENER, "l1");
    programmed.nack("envoy-1", ROUTES, "h7", "invalid regex");
    const writer = writerFor(programmed);
    writer.setLeader(true);
    writer.update(bundleOf(object), [accepted()]);
    await writer.idle();
    expect(liveConditions().conditions.find((c: any) => c.type === "Programmed")).toMatchObject({
      status: "False",
      reason: "Rejected",
      message: "Proxy envoy-1 rejected configuration s7 (RouteConfiguration): invalid regex",
    });
  });

  it("writes Accepted=False with the path-prefixed error and raises a Warning Event once", async () => {
    const object = api.put(mapping("api", { prefix: "/", service: "api", timeout: "3 seconds" }));
    const writer = writerFor();
    writer.setLeader(true);
    writer.update(bundleOf(object), [invalid]);
    await writer.idle();
    writer.update(bundleOf(object), [invalid]);
    await writer.idle();
    expect(liveConditions().conditions[0]).toMatchObject({ type: "Accepted", status: "False", reason: "Invalid", message: 'spec.timeout: invalid duration "3 seconds"', observedGeneration: 2 });
    const events = api.store.list(api.typeOf("v1", "Event"), "default", () => true);
    expect(events.map((e) => [e.type, e.reason, e.involvedObject.kind, e.involvedObject.name])).toEqual([
      ["Warning", "Invalid", "Mapping", "api"],
      ["Warning", "Invalid", "Mapping", "api"],
    ]);
    expect(events.map((e) => e.message).sort()).toEqual(['Accepted: spec.timeout: invalid duration "3 seconds"', "Programmed: Not programmed: the resource is not accepted"]);
    expect(statusPatches()).toHaveLength(1);
  });

  it("writes nothing unless it leads, and stops when it loses leadership", async () => {
    const object = api.put(mapping("api", { prefix: "/", service: "api" }));
    const writer = writerFor();
    writer.update(bundleOf(object), [accepted()]);
    await writer.idle();
    expect(statusPatches()).toHaveLength(0);
    writer.setLeader(true);
    await writer.idle();
    expect(statusPatches()).toHaveLength(1);
  });

  it("gives resources converted from Emissary Emissary's {state, reason} status", async () => {
    for (const t of emissaryTypes) api.serve(t);
    api.put({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "api", namespace: "default" }, spec: { prefix: "/", service: "api", auto_host_rewrite: true } });
    const converted = { ...mapping("api", { prefix: "/", service: "api" }), metadata: { name: "api", namespace: "default", annotations: { "attache.dev/converted-from": "getambassador.io/v3alpha1", "attache.dev/conversion-warnings": JSON.stringify(["Mapping default/api: spec.auto_host_rewrite: not supported by Attaché; ignored"]) } } };
    const writer = writerFor();
    writer.setLeader(true);
    writer.update(bundleOf(converted), [accepted()]);
    await writer.idle();
    expect(liveConditions("getambassador.io/v3alpha1")).toEqual({
      state: "Running",
      reason: "Accepted; converted from Emissary with warnings: Mapping default/api: spec.auto_host_rewrite: not supported by Attaché; ignored",
    });
  });
});

describe("LeaderElector", () => {
  const elector = (identity: string, log: string[]) =>
    new LeaderElector({
      kubeConfig: api.kubeConfig(),
      namespace: "attache",
      name: "attache-status",
      identity,
      leaseDurationSeconds: 1,
      renewDeadlineMs: 800,
      retryPeriodMs: 50,
      onStartedLeading: () => log.push(`${identity} leads`),
      onStoppedLeading: () => log.push(`${identity} stops`),
    });
  const lease = () => api.store.get(api.typeOf("coordination.k8s.io/v1", "Lease"), "attache", "attache-status").spec;

  it("elects one leader, fails over after the lease expires, and hands over at once on release", async () => {
    const log: string[] = [];
    const a = elector("replica-a", log);
    const b = elector("replica-b", log);
    a.start();
    await eventually(() => expect(a.isLeader).toBe(true));
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader).toBe(false);
    expect(lease().holderIdentity).toBe("replica-a");

    // replica-a crashes (stops renewing without releasing): replica-b waits out the lease.
    const crashed = Date.now();
    await a.stop({ release: false });
    await eventually(() => expect(b.isLeader).toBe(true), 5000);
    expect(Date.now() - crashed).toBeGreaterThanOrEqual(900);
    expect(lease()).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });

    // replica-b shuts down gracefully: replica-a (restarted) takes over within a few retries.
    a.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(a.isLeader).toBe(false);
    const released = Date.now();
    await b.stop();
    await eventually(() => expect(a.isLeader).toBe(true));
    expect(Date.now() - released).toBeLessThan(900);
    expect(lease()).toMatchObject({ holderIdentity: "replica-a", leaseTransitions: 2 });
    await a.stop();
    expect(log).toEqual(["replica-a leads", "replica-a stops", "replica-b leads", "replica-b stops", "replica-a leads", "replica-a stops"]);
  });
});
