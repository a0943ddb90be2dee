// The Kubernetes source against the API stand-in, through @kubernetes/client-node.
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emissaryTypes, KubeApiStandIn } from "../../../test/kube-apiserver/index.ts";
import { endpointSlice, eventually, mapping, service, tlsSecret } from "../../../test/kubernetes/fixtures.ts";
import type { ResourceBundle } from "../bundle.ts";
import { KubernetesSource, type BundleChange, type KubernetesSourceOptions } from "./source.ts";

let api: KubeApiStandIn;
let source: KubernetesSource | undefined;
let bundles: { bundle: ResourceBundle; change: BundleChange }[];
const errors: string[] = [];

beforeEach(async () => {
  api = await KubeApiStandIn.start();
  bundles = [];
  errors.length = 0;
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  await api.close();
});

async function startSource(options: Partial<KubernetesSourceOptions> = {}): Promise<ResourceBundle> {
  source = new KubernetesSource({
    kubeConfig: api.kubeConfig(),
    debounceMs: 10,
    onBundle: (bundle, change) => bundles.push({ bundle, change }),
    onError: (message) => errors.push(message),
    ...options,
  });
  return source.start();
}

const names = (bundle: ResourceBundle, kind?: string) =>
  bundle.resources
    .filter((r) => !kind || r.object.kind === kind)
    .map((r) => `${r.object.kind} ${r.object.metadata?.namespace}/${r.object.metadata?.name}`)
    .sort();
const latest = () => bundles[bundles.length - 1].bundle;
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("KubernetesSource", () => {
  it("emits the first bundle only after every informer listed what already exists", async () => {
    api.put(mapping("api", { prefix: "/api/", service: "api:80" }));
    api.put(service("api"));
    api.put(endpointSlice("api", ["10.0.0.1"]));
    const first = await startSource();
    expect(bundles).toHaveLength(1);
    expect(names(first)).toEqual(["EndpointSlice default/api-abc", "Mapping default/api", "Service default/api"]);
  });

  it("reflects create, update and delete of each kind, keeping unchanged objects identical", async () => {
    await startSource();
    const kc = api.kubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const group = { group: "attache.dev", version: "v1alpha1", namespace: "default" };
    await custom.createNamespacedCustomObject({ ...group, plural: "mappings", body: mapping("api", { prefix: "/api/", service: "api:80" }) });
    await custom.createNamespacedCustomObject({ ...group, plural: "hosts", body: { apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: "shop" }, spec: { hostname: "shop.example.com", tlsSecret: { name: "shop-cert" }, tls: { caSecret: { name: "client-ca" } } } } });
    await custom.createNamespacedCustomObject({ ...group, plural: "wasmfilters", body: { apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name: "custom" }, spec: { module: { configMap: { name: "modules", key: "check.wasm" } } } } });
    await custom.createNamespacedCustomObject({ ...group, plural: "authservices", body: { apiVersion: "attache.dev/v1alpha1", kind: "AuthService", metadata: { name: "auth" }, spec: { service: "auth:3000" } } });
    await core.createNamespacedService({ namespace: "default", body: service("api") });
    await discovery.createNamespacedEndpointSlice({ namespace: "default", body: endpointSlice("api", ["10.0.0.1"]) as never });
    await core.createNamespacedSecret({ namespace: "default", body: await tlsSecret("shop-cert") });
    await core.createNamespacedSecret({ namespace: "default", body: await tlsSecret("unreferenced") });
    await core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "opaque" }, type: "Opaque", data: {} } });
    await core.createNamespacedSecret({ namespace: "default", body: await tlsSecret("client-ca") });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "modules" }, binaryData: { "check.wasm": "AGFzbQEAAAA=" } } });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "unrelated" }, data: { a: "b" } } });
    await eventually(() =>
      expect(names(latest())).toEqual([
        "AuthService default/auth",
        "ConfigMap default/modules",
        "EndpointSlice default/api-abc",
        "Host default/shop",
        "Mapping default/api",
        "Secret default/client-ca",
        "Secret default/shop-cert",
        "Service default/api",
        "WasmFilter default/custom",
      ]),
    );
    const before = latest();
    const hostBefore = before.resources.find((r) => r.object.kind === "Host")!;
    await custom.patchNamespacedCustomObject({ ...group, plural: "mappings", name: "api", body: { spec: { prefix: "/v2/" } } }, merge);
    await eventually(() => expect(latest().resources.find((r) => r.object.kind === "Mapping")!.object.spec).toMatchObject({ prefix: "/v2/" }));
    expect(latest().revision).toBeGreaterThan(before.revision);
    expect(latest().resources.find((r) => r.object.kind === "Host")).toBe(hostBefore);
    await custom.deleteNamespacedCustomObject({ ...group, plural: "hosts", name: "shop" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "wasmfilters", name: "custom" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "authservices", name: "auth" });
    await core.deleteNamespacedService({ namespace: "default", name: "api" });
    await discovery.deleteNamespacedEndpointSlice({ namespace: "default", name: "api-abc" });
    // Without the Host and the WasmFilter, their Secret and ConfigMap leave the bundle too.
    await eventually(() => expect(names(latest())).toEqual(["Mapping default/api"]));
  });

  it("flags a batch that changed only EndpointSlices, naming the services", async () => {
    api.put(service("api"));
    api.put(endpointSlice("api", ["10.0.0.1"]));
    await startSource();
    api.put(endpointSlice("api", ["10.0.0.1", "10.0.0.2"]));
    await eventually(() => expect(bundles).toHaveLength(2));
    expect(bundles[1].change.endpointsOnly).toBe(true);
    expect([...bundles[1].change.endpointServices]).toEqual(["default/api"]);
    api.put(mapping("api", { prefix: "/", service: "api" }));
    await eventually(() => expect(bundles).toHaveLength(3));
    expect(bundles[2].change.endpointsOnly).toBe(false);
  });

  it("ignores status-only writes: no new batch, the bundled object stays the same", async () => {
    api.put(mapping("api", { prefix: "/", service: "api" }));
    const first = await startSource();
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.patchNamespacedCustomObjectStatus(
      { group: "attache.dev", version: "v1alpha1", plural: "mappings", namespace: "default", name: "api", body: { status: { conditions: [{ type: "Accepted", status: "True" }] } } },
      merge,
    );
    await eventually(() => expect((source!.current("attache.dev/v1alpha1", "Mapping", "default", "api") as any).status?.conditions).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(bundles).toHaveLength(1);
    expect(first.resources[0].object.status).toBeUndefined();
  });

  it("selects resources by instance id and watches only the configured namespaces", async () => {
    api.put(mapping("mine", { prefix: "/a", service: "a" }, "team-a", { annotations: { "attache.dev/instance": "edge,internal" } }));
    api.put(mapping("default-instance", { prefix: "/b", service: "b" }, "team-a"));
    api.put(mapping("other-namespace", { prefix: "/c", service: "c" }, "team-b", { labels: { "attache.dev/instance": "edge" } }));
    const first = await startSource({ instance: "edge", namespaces: ["team-a"] });
    expect(names(first)).toEqual(["Mapping team-a/mine"]);
  });

  it("reads attache.dev/config annotations on Services, reporting bad documents with their line", async () => {
    const config = [
      "apiVersion: attache.dev/v1alpha1",
      "kind: Mapping",
      "metadata: {name: from-annotation}",
      "spec: {prefix: /annotated/, service: api}",
      "---",
      "kind: [broken",
    ].join("\n");
    api.put(service("api", "shop", 80, { annotations: { "attache.dev/config": config } }));
    const first = await startSource();
    expect(names(first)).toEqual(["Mapping shop/from-annotation", "Service shop/api"]);
    expect(first.resources.find((r) => r.object.kind === "Mapping")!.location).toEqual({ file: "Service shop/api annotation attache.dev/config", line: 1 });
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0].location).toEqual({ file: "Service shop/api annotation attache.dev/config", line: 6 });
  });

  it("converts Emissary resources when their CRDs are installed, with warnings kept for status", async () => {
    for (const t of emissaryTypes) api.serve(t);
    api.put({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "legacy", namespace: "default" }, spec: { prefix: "/legacy/", service: "legacy:80", timeout_ms: 1500, enable_ipv6: true } });
    api.put({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "elsewhere", namespace: "default" }, spec: { prefix: "/x/", service: "x", ambassador_id: ["other"] } });
    const first = await startSource();
    const converted = first.resources.find((r) => r.object.metadata?.name === "legacy")!.object;
    expect(converted).toMatchObject({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", spec: { prefix: "/legacy/", timeout: "1500ms" } });
    expect(JSON.parse((converted.metadata!.annotations as Record<string, string>)["attache.dev/conversion-warnings"])).toEqual([
      "Mapping default/legacy: spec.enable_ipv6: not supported by Attaché; ignored",
    ]);
    expect(names(first)).toEqual(["Mapping default/legacy"]);
  });

  it("does not watch Emissary kinds when their CRDs are not installed", async () => {
    await startSource();
    expect(api.requests.some((r) => r.path.includes("getambassador.io/v3alpha1/mappings"))).toBe(false);
  });

  it("restarts a watch whose connection was reset, resuming without a relist", async () => {
    await startSource();
    const listsBefore = api.requests.filter((r) => r.path.endsWith("/mappings") && !r.query.has("watch")).length;
    api.dropWatches({ abrupt: true });
    api.put(mapping("after-reset", { prefix: "/r", service: "r" }));
    await eventually(() => expect(names(latest(), "Mapping")).toEqual(["Mapping default/after-reset"]));
    expect(errors.some((e) => e.includes("watch attache.dev/v1alpha1 Mapping"))).toBe(true);
    expect(api.requests.filter((r) => r.path.endsWith("/mappings") && !r.query.has("watch")).length).toBe(listsBefore);
  });
});
