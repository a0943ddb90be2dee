import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiStandIn } from "../../../test/kube-apiserver/index.ts";
import { eventually, mapping } from "../../../test/kubernetes/fixtures.ts";
import { ResilientInformer } from "./informer.ts";

let api: KubeApiStandIn;
let informer: ResilientInformer | undefined;
beforeEach(async () => {
  api = await KubeApiStandIn.start();
});
afterEach(async () => {
  await informer?.stop();
  await api.close();
});

describe("ResilientInformer", () => {
  it("retries a failing list with growing backoff and syncs once the API answers", async () => {
    api.unavailable = true;
    api.put(mapping("api", { prefix: "/", service: "api" }));
    const retries: number[] = [];
    const seen: string[] = [];
    informer = new ResilientInformer(api.kubeConfig(), { apiVersion: "attache.dev/v1alpha1", kind: "Mapping", plural: "mappings" }, {
      upsert: (obj) => seen.push(obj.metadata!.name!),
      remove: () => {},
      error: (_err, retryInMs) => retries.push(retryInMs),
    });
    await informer.start();
    await eventually(() => expect(retries.length).toBeGreaterThanOrEqual(3));
    expect(informer.synced).toBe(false);
    // Base 200 ms doubling, with jitter in [50%, 100%]: the third wait is at least 400 ms.
    expect(retries[2]).toBeGreaterThanOrEqual(400);
    expect(retries[2]).toBeGreaterThan(retries[0]);
    api.unavailable = false;
    await informer.waitForSync();
    expect(seen).toEqual(["api"]);
  });

  it("sets kind and apiVersion on list items of built-in kinds, which the API omits", async () => {
    api.put({ apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: "default" }, spec: { ports: [{ port: 80 }] } });
    const seen: unknown[] = [];
    informer = new ResilientInformer(api.kubeConfig(), { apiVersion: "v1", kind: "Service", plural: "services" }, { upsert: (o) => seen.push(o), remove: () => {}, error: () => {} });
    await informer.start();
    await informer.waitForSync();
    expect(seen).toMatchObject([{ apiVersion: "v1", kind: "Service", metadata: { name: "api" } }]);
  });
});
