// The stand-in, exercised only through @kubernetes/client-node, the client the gateway uses.
import {
  ApiException,
  ApisApi,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emissaryTypes, KubeApiStandIn } from "./index.ts";

const mappings = { group: "attache.dev", version: "v1alpha1", plural: "mappings" };
const allMappings = { group: "attache.dev", version: "v1alpha1", resourcePlural: "mappings" };
const mapping = (name: string, prefix: string, labels?: Record<string, string>) => ({
  apiVersion: "attache.dev/v1alpha1",
  kind: "Mapping",
  metadata: { name, namespace: "default", labels },
  spec: { prefix, service: "backend:80" },
});

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

let api: KubeApiStandIn;
let custom: CustomObjectsApi;
beforeEach(async () => {
  api = await KubeApiStandIn.start();
  custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterEach(async () => api.close());

describe("REST", () => {
  it("lists as kind XList with the collection's resourceVersion, all namespaces or one", async () => {
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a") });
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "team", body: { ...mapping("b", "/b"), metadata: { name: "b", namespace: "team" } } });
    const all = await custom.listCustomObjectForAllNamespaces(allMappings);
    expect(all.kind).toBe("MappingList");
    expect(Number(all.metadata.resourceVersion)).toBe(api.store.currentRevision);
    expect(all.items.map((m: KubernetesObject) => m.metadata?.name)).toEqual(["a", "b"]);
    const team = await custom.listNamespacedCustomObject({ ...mappings, namespace: "team" });
    expect(team.items.map((m: KubernetesObject) => m.metadata?.name)).toEqual(["b"]);
  });

  it("filters lists by label selector", async () => {
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a", { tier: "web" }) });
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("b", "/b", { tier: "db" }) });
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("c", "/c") });
    const names = async (labelSelector: string) =>
      (await custom.listNamespacedCustomObject({ ...mappings, namespace: "default", labelSelector })).items.map((m: KubernetesObject) => m.metadata?.name);
    expect(await names("tier=web")).toEqual(["a"]);
    expect(await names("tier!=web")).toEqual(["b", "c"]);
    expect(await names("tier in (web,db)")).toEqual(["a", "b"]);
    expect(await names("!tier")).toEqual(["c"]);
  });

  it("filters lists by field selector (how the gateway lists only TLS Secrets)", async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "cert" }, type: "kubernetes.io/tls", data: {} } });
    await core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "token" }, type: "Opaque", data: {} } });
    const tls = await core.listSecretForAllNamespaces({ fieldSelector: "type=kubernetes.io/tls" });
    expect(tls.items.map((s) => s.metadata?.name)).toEqual(["cert"]);
    const notCert = await core.listNamespacedSecret({ namespace: "default", fieldSelector: "metadata.name!=cert" });
    expect(notCert.items.map((s) => s.metadata?.name)).toEqual(["token"]);
  });

  it("answers 404 and 409 as Status objects", async () => {
    await expect(custom.getNamespacedCustomObject({ ...mappings, namespace: "default", name: "nope" })).rejects.toMatchObject({ code: 404 });
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a") });
    const again = await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a") }).catch((e: ApiException<string>) => e);
    expect(again).toBeInstanceOf(ApiException);
    expect(JSON.parse((again as ApiException<string>).body)).toMatchObject({ kind: "Status", reason: "AlreadyExists", code: 409 });
  });

  it("keeps status out of main-resource writes, bumps generation only on spec changes", async () => {
    const created = await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: { ...mapping("a", "/a"), status: { bogus: true } } });
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const withStatus = await custom.patchNamespacedCustomObjectStatus(
      { ...mappings, namespace: "default", name: "a", body: { status: { conditions: [{ type: "Accepted", status: "True" }] }, spec: { prefix: "/ignored" } } },
      merge,
    );
    expect(withStatus.status.conditions[0].type).toBe("Accepted");
    expect(withStatus.spec.prefix).toBe("/a");
    expect(withStatus.metadata.generation).toBe(1);
    const labelled = await custom.patchNamespacedCustomObject({ ...mappings, namespace: "default", name: "a", body: { metadata: { labels: { x: "y" } }, status: null } }, merge);
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status.conditions).toHaveLength(1);
    const respec = await custom.patchNamespacedCustomObject({ ...mappings, namespace: "default", name: "a", body: [{ op: "replace", path: "/spec/prefix", value: "/b" }] });
    expect(respec.spec.prefix).toBe("/b");
    expect(respec.metadata.generation).toBe(2);
  });

  it("does not bump resourceVersion for a write that changes nothing", async () => {
    const created = await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a") });
    const same = await custom.replaceNamespacedCustomObject({ ...mappings, namespace: "default", name: "a", body: created });
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it("rejects an update carrying a stale resourceVersion (Lease optimistic concurrency)", async () => {
    const leases = api.kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({ namespace: "attache", body: { metadata: { name: "leader" }, spec: { holderIdentity: "a" } } });
    await leases.replaceNamespacedLease({ namespace: "attache", name: "leader", body: { ...lease, spec: { holderIdentity: "b" } } });
    const stale = leases.replaceNamespacedLease({ namespace: "attache", name: "leader", body: { ...lease, spec: { holderIdentity: "c" } } });
    await expect(stale).rejects.toMatchObject({ code: 409 });
    expect((await leases.readNamespacedLease({ namespace: "attache", name: "leader" })).spec?.holderIdentity).toBe("b");
  });

  it("creates Events with generateName in both event APIs", async () => {
    const kc = api.kubeConfig();
    const core = await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
      namespace: "default",
      body: { metadata: { generateName: "a." }, involvedObject: { kind: "Mapping", name: "a" }, reason: "Invalid", message: "bad", type: "Warning" },
    });
    expect(core.metadata.name).toMatch(/^a\./);
    const events = await kc.makeApiClient(EventsV1Api).createNamespacedEvent({
      namespace: "default",
      body: { metadata: { generateName: "b." }, eventTime: new Date(), reason: "Invalid", note: "bad", type: "Warning", action: "Validate", reportingController: "attache.dev/controller", reportingInstance: "x" },
    });
    expect(events.note).toBe("bad");
  });

  it("serves discovery, following which CRDs are installed", async () => {
    const kc = api.kubeConfig();
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain("attache.dev");
    expect(groups.groups.map((g) => g.name)).not.toContain("getambassador.io");
    const resources = await custom.getAPIResources({ group: "attache.dev", version: "v1alpha1" });
    expect(resources.resources.map((r) => r.name)).toContain("mappings/status");
    await expect(custom.getAPIResources({ group: "getambassador.io", version: "v3alpha1" })).rejects.toMatchObject({ code: 404 });
    for (const t of emissaryTypes) api.serve(t);
    expect((await custom.getAPIResources({ group: "getambassador.io", version: "v3alpha1" })).resources.map((r) => r.kind)).toContain("Mapping");
  });
});

describe("watch", () => {
  function startInformer() {
    const kc = api.kubeConfig();
    const informer = makeInformer(kc, "/apis/attache.dev/v1alpha1/mappings", () => custom.listCustomObjectForAllNamespaces(allMappings));
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on("delete", (o) => seen.push(`delete ${o.metadata?.name}`));
    return { informer, seen };
  }
  const lists = () => api.requests.filter((r) => r.path === "/apis/attache.dev/v1alpha1/mappings" && !r.query.has("watch")).length;

  it("streams ADDED/MODIFIED/DELETED to an informer after its list", async () => {
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("before", "/") });
    const { informer, seen } = startInformer();
    await informer.start();
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("a", "/a") });
    await custom.patchNamespacedCustomObject({ ...mappings, namespace: "default", name: "a", body: [{ op: "add", path: "/spec/timeout", value: "5s" }] });
    await custom.deleteNamespacedCustomObject({ ...mappings, namespace: "default", name: "a" });
    await eventually(() => expect(seen).toEqual(["add before", "add a", "update a", "delete a"]));
    await informer.stop();
  });

  it("resumes a dropped watch from its resourceVersion without relisting", async () => {
    const { informer, seen } = startInformer();
    await informer.start();
    await eventually(() => expect(api.openWatchCount).toBe(1));
    expect(api.dropWatches()).toBe(1);
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("while-away", "/w") });
    await eventually(() => expect(seen).toEqual(["add while-away"]));
    expect(lists()).toBe(1);
    await informer.stop();
  });

  it("resets connections on an abrupt drop, which a bare informer reports as an error", async () => {
    const { informer } = startInformer();
    const errors: unknown[] = [];
    informer.on("error", (err) => errors.push(err));
    await informer.start();
    await eventually(() => expect(api.openWatchCount).toBe(1));
    api.dropWatches({ abrupt: true });
    await eventually(() => expect(errors).toHaveLength(1));
    await informer.stop();
  });

  it("sends DELETED/ADDED when an object leaves or enters a watch's label selector", async () => {
    const kc = api.kubeConfig();
    const informer = makeInformer(kc, "/apis/attache.dev/v1alpha1/mappings", () => custom.listCustomObjectForAllNamespaces({ ...allMappings, labelSelector: "team=a" }), "team=a");
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on("delete", (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    await custom.createNamespacedCustomObject({ ...mappings, namespace: "default", body: mapping("m", "/m", { team: "a" }) });
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    await custom.patchNamespacedCustomObject({ ...mappings, namespace: "default", name: "m", body: { metadata: { labels: { team: "b" } } } }, merge);
    await custom.patchNamespacedCustomObject({ ...mappings, namespace: "default", name: "m", body: { metadata: { labels: { team: "a" } } } }, merge);
    await eventually(() => expect(seen).toEqual(["add m", "delete m", "add m"]));
    await informer.stop();
  });
});
