// `helm install attache charts/attache` into a real kube-apiserver (test/cluster/control-plane.ts):
// the API server admits every object the chart renders, the CRDs become Established, and
// `helm upgrade` and `helm uninstall` change and remove the release's objects. No kubelet runs,
// so Deployments never get Pods: what is proven is admission and storage, not scheduling.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";
import { describeWithTools } from "../tools.ts";
import { CLUSTER_TOOLS, ControlPlane } from "./control-plane.ts";

const chart = join(REPO_ROOT, "charts", "attache");
const ns = "attache-system";
let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start();
}, 180_000);
afterAll(async () => plane?.stop());

/** kind/name of every object the chart renders for these arguments (CRDs included). */
async function rendered(args: string[] = []): Promise<Array<{ kind: string; name: string; namespaced: boolean }>> {
  const { stdout } = await ok(plane.helm(["template", "attache", chart, "--namespace", ns, "--include-crds", ...args]));
  return parseAllDocuments(stdout).map((d) => d.toJS()).filter(Boolean)
    .map((o: { kind: string; metadata: { name: string; namespace?: string } }) => ({ kind: o.kind, name: o.metadata.name, namespaced: Boolean(o.metadata.namespace) }));
}

async function ok<T extends { code: number; stdout: string; stderr: string }>(result: Promise<T>): Promise<T> {
  const done = await result;
  expect(done.code, done.stderr || done.stdout).toBe(0);
  return done;
}

describeWithTools(CLUSTER_TOOLS, "helm with a real kube-apiserver", () => {
  it("installs every object, the CRDs become Established, upgrades and uninstalls", async () => {
    await ok(plane.kubectl(["create", "namespace", ns]));
    const install = await ok(plane.helm(["install", "attache", chart, "--namespace", ns]));
    expect(install.stdout).toMatch(/STATUS: deployed/);

    const objects = await rendered();
    expect(objects.length).toBeGreaterThanOrEqual(16);
    for (const o of objects) {
      const get = await plane.kubectl(["get", o.kind, o.name, ...(o.namespaced ? ["-n", ns] : []), "-o", "name"]);
      expect(get.code, `${o.kind} ${o.name}: ${get.stderr}`).toBe(0);
    }
    for (const crd of ["mappings", "hosts", "wasmfilters", "authservices"]) {
      await ok(plane.kubectl(["wait", "--for=condition=Established", `crd/${crd}.attache.dev`, "--timeout=60s"]));
    }
    // The CRDs serve their kinds: `kubectl explain` reads the published OpenAPI schema.
    const explain = await ok(plane.kubectl(["explain", "mapping.spec.timeout"]));
    expect(explain.stdout).toContain("Whole-request timeout");

    const upgrade = await ok(plane.helm(["upgrade", "attache", chart, "--namespace", ns, "--set", "envoy.replicas=3", "--set", "autoscaling.enabled=false", "--set", "networkPolicy.enabled=true"]));
    expect(upgrade.stdout).toMatch(/REVISION: 2/);
    expect((await ok(plane.kubectl(["get", "deployment", "attache-envoy", "-n", ns, "-o", "jsonpath={.spec.replicas}"]))).stdout).toBe("3");
    await ok(plane.kubectl(["get", "networkpolicy", "-n", ns, "-o", "name"]));
    expect((await rendered(["--set", "networkPolicy.enabled=true"])).some((o) => o.kind === "NetworkPolicy")).toBe(true);
    expect((await ok(plane.helm(["history", "attache", "--namespace", ns, "-o", "json"]))).stdout).toContain('"revision":2');

    await ok(plane.helm(["uninstall", "attache", "--namespace", ns]));
    const left = await ok(plane.kubectl(["get", "deployments,services,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets,networkpolicies", "-n", ns, "-l", "app.kubernetes.io/instance=attache", "-o", "name"]));
    expect(left.stdout.trim()).toBe("");
    expect((await plane.kubectl(["get", "clusterrole", "attache", "-o", "name"])).code).not.toBe(0);
    // Helm keeps CRDs from crds/ on uninstall (they may hold other releases' resources).
    await ok(plane.kubectl(["get", "crd", "mappings.attache.dev"]));
  }, 240_000);
});
