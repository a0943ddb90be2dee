// `attache serve` (startServe, in this process) against a real kube-apiserver: objects of
// every kind created, changed and deleted through @kubernetes/client-node show up in the xDS
// snapshot, and Services' attache.dev/config annotations become routes.
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { ServeHandle } from "../../controlplane/runner/serve.ts";
import { endpointSlice, eventually, mapping, service, tlsSecret } from "../kubernetes/fixtures.ts";
import { servedHttpVirtualHosts, servedNames, startReplica } from "../kubernetes/harness.ts";
import { describeWithTools } from "../tools.ts";
import { CLUSTER_TOOLS, ControlPlane } from "./control-plane.ts";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";

let plane: ControlPlane;
const handles: ServeHandle[] = [];
beforeAll(async () => {
  plane = await ControlPlane.start();
  for (const args of [["apply", "--server-side", "-f", join(REPO_ROOT, "charts", "attache", "crds")], ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"], ["create", "namespace", "attache"]]) {
    const result = await plane.kubectl(args);
    expect(result.code, result.stderr).toBe(0);
  }
}, 180_000);
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});
afterAll(async () => plane?.stop());

const group = { group: "attache.dev", version: "v1alpha1", namespace: "default" };
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** A virtual host of the plain-HTTP listener's routes (either layout). */
const servedVirtualHost = (h: ServeHandle, name: string) => servedHttpVirtualHosts(h).find((v) => v.name === name);
const servedVirtualHostNames = (h: ServeHandle) => servedHttpVirtualHosts(h).map((v) => v.name);
const routesOf = (h: ServeHandle, vhost = "attache/default") => (servedVirtualHost(h, vhost)?.routes ?? []).map((r) => r.name);
async function replica() {
  const h = await startReplica(plane, "replica-a", { debounceMs: 5, xdsAddress: "127.0.0.1:0" });
  handles.push(h);
  return h;
}

describeWithTools(CLUSTER_TOOLS, "attache serve informers with a real kube-apiserver", () => {
  it("reflects create, update and delete of every kind in the xDS snapshot", async () => {
    const kc = plane.kubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: "default", body: service("api") as never });
    await kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({ namespace: "default", body: endpointSlice("api", ["10.0.0.1"]) as never });
    const h = await replica();

    await custom.createNamespacedCustomObject({ ...group, plural: "mappings", body: mapping("api", { prefix: "/api/", service: "api" }) });
    await eventually(() => expect(routesOf(h)).toEqual(["default/api"]));
    expect(servedNames(h, "cluster")).toContain("default/api:80");

    await custom.patchNamespacedCustomObject({ ...group, plural: "mappings", name: "api", body: { spec: { prefix: "/v2/" } } }, merge);
    await eventually(() => expect(servedVirtualHost(h, "attache/default")?.routes?.[0]?.match).toMatchObject({ prefix: "/v2/" }));

    // A Host with a TLS Secret: its virtual host, the Secret over SDS and the HTTPS listener.
    await core.createNamespacedSecret({ namespace: "default", body: (await tlsSecret("shop-cert")) as never });
    await custom.createNamespacedCustomObject({ ...group, plural: "hosts", body: { apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: "shop" }, spec: { hostname: "shop.example.com", tlsSecret: { name: "shop-cert" } } } });
    await eventually(() => expect(servedNames(h, "secret")).toEqual(["default/shop-cert"]));
    expect(servedVirtualHostNames(h)).toContain("default/shop");
    expect(servedNames(h, "listener")).toEqual(["attache-http", "attache-https"]);

    // A WasmFilter from a ConfigMap, enabled on the Mapping: an ECDS resource of its name.
    const module = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "modules" }, binaryData: { "check.wasm": module.toString("base64") } } });
    await custom.createNamespacedCustomObject({ ...group, plural: "wasmfilters", body: { apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name: "check" }, spec: { module: { configMap: { name: "modules", key: "check.wasm" } } } } });
    await custom.patchNamespacedCustomObject({ ...group, plural: "mappings", name: "api", body: { spec: { filters: [{ name: "check" }] } } }, merge);
    await eventually(() => expect(servedNames(h, "typedExtensionConfig")).toContain("attache.wasm/default/check"));

    // An AuthService: the auth filter's configuration and the auth service's cluster.
    await core.createNamespacedService({ namespace: "default", body: service("auth", "default", 3000) as never });
    await custom.createNamespacedCustomObject({ ...group, plural: "authservices", body: { apiVersion: "attache.dev/v1alpha1", kind: "AuthService", metadata: { name: "auth" }, spec: { service: "auth:3000" } } });
    await eventually(() => expect(servedNames(h, "cluster")).toContain("default/auth:3000"));

    // Deleting everything again removes it from the snapshot.
    await custom.deleteNamespacedCustomObject({ ...group, plural: "authservices", name: "auth" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "hosts", name: "shop" });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "wasmfilters", name: "check" });
    await eventually(() => {
      expect(servedNames(h, "secret")).toEqual([]);
      expect(servedNames(h, "listener")).toEqual(["attache-http"]);
      expect(servedNames(h, "cluster")).not.toContain("default/auth:3000");
      expect(servedNames(h, "typedExtensionConfig")).not.toContain("attache.wasm/default/check");
    });
    await custom.deleteNamespacedCustomObject({ ...group, plural: "mappings", name: "api" });
    await eventually(() => expect(servedNames(h, "cluster")).not.toContain("default/api:80"));
    await core.deleteNamespacedService({ namespace: "default", name: "api" });
  }, 60_000);

  it("routes Mappings from a Service's attache.dev/config annotation", async () => {
    const config = "apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata: {name: self-service}\nspec: {prefix: /self/, service: self}\n";
    await plane.kubeConfig().makeApiClient(CoreV1Api).createNamespacedService({ namespace: "default", body: service("self", "default", 80, { annotations: { "attache.dev/config": config } }) as never });
    const h = await replica();
    expect(routesOf(h)).toEqual(["default/self-service"]);
  });
});
