// charts/attache rendered two ways — by test/helm-render (Go text/template + Sprig, Helm's
// engine; the `go-sprig` tool) and by renderChart (our interpreter, what
// `attache manifests` runs) — must give the same objects, document for document, with the
// default values and with the overrides users reach for first.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeWithTools } from "../../test/tools.ts";
import { goHelmRender, renderWithGo, repoRoot } from "./go-helm-render.ts";
import { renderChart, type RenderedDocument } from "./render-chart.ts";
import type { Values } from "./values.ts";

const chartDir = join(repoRoot, "charts", "attache");
type Obj = Record<string, any>;

const scenarios: { name: string; release: string; namespace: string; values?: Values }[] = [
  { name: "default values", release: "attache", namespace: "attache-system" },
  {
    name: "autoscaling, network policy, image digest and watched namespaces",
    release: "attache",
    namespace: "attache-system",
    values: {
      autoscaling: { enabled: true, maxReplicas: 20 },
      networkPolicy: { enabled: true },
      controlPlane: { image: { digest: `sha256:${"a".repeat(64)}` } },
      envoy: { image: { digest: `sha256:${"b".repeat(64)}` }, drainSeconds: 40 },
      watchNamespaces: ["team-a", "team-b"],
    },
  },
  {
    name: "another release and namespace, own service account, ClusterIP, scheduling hints",
    release: "edge",
    namespace: "gateways",
    values: {
      instanceId: "edge",
      serviceAccount: { create: false, name: "edge-sa" },
      service: { type: "ClusterIP", annotations: { "example.com/team": "edge" } },
      podDisruptionBudget: { enabled: false },
      controlPlane: { nodeSelector: { "kubernetes.io/os": "linux" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "gw", effect: "NoSchedule" }] },
    },
  },
];

const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;
const templatesOnly = (docs: RenderedDocument[]) => docs.filter((d) => d.source.includes("/templates/"));

function goObjects(release: string, namespace: string, values?: Values): { source: string; text: string; object: Obj }[] {
  let file: string | undefined;
  if (values) {
    file = join(tmpdir(), `attache-manifests-values-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(values));
  }
  return renderWithGo(goHelmRender(), chartDir, release, namespace, file).map((d) => ({ ...d, object: parse(d.text) }));
}

describeWithTools(["go-sprig"], "renderChart (attache manifests) against Go text/template + Sprig", () => {
  it.each(scenarios)("renders the same objects as Go with $name", ({ release, namespace, values }) => {
    const expected = goObjects(release, namespace, values);
    const actual = templatesOnly(renderChart({ chartDir, release, namespace, overrides: values ? [{ source: "test", values }] : [] }));
    const byKey = (docs: { object: Obj }[]) => [...docs].sort((a, b) => key(a.object).localeCompare(key(b.object))).map((d) => d.object);
    expect(actual.length).toBe(expected.length);
    expect(byKey(actual)).toEqual(byKey(expected));
    // Same text too, so checksums over rendered templates (checksum/bootstrap) agree.
    for (const doc of expected) {
      const ours = actual.find((d) => d.source === doc.source && key(d.object) === key(doc.object));
      expect(ours?.text, `${doc.source} ${key(doc.object)}`).toBe(doc.text);
    }
  }, 60_000);
});

describe("renderChart (attache manifests)", () => {
  it("applies the overrides (checked without Go, so this runs everywhere)", () => {
    const [, overrides] = scenarios;
    const objects = renderChart({ chartDir, release: "attache", namespace: "attache-system", overrides: [{ source: "test", values: overrides.values! }] }).map((d) => d.object as Obj);
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
    expect(find("HorizontalPodAutoscaler", "attache-envoy").spec.maxReplicas).toBe(20);
    expect(find("Deployment", "attache-envoy").spec.replicas).toBeUndefined();
    expect(find("Deployment", "attache-envoy").spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(find("NetworkPolicy", "attache-controlplane").spec.ingress[0].ports.map((p: Obj) => p.port)).toEqual([18000, 18002]);
    const cp = find("Deployment", "attache-controlplane").spec.template.spec.containers[0];
    expect(cp.image).toBe(`ghcr.io/attache-dev/attache@sha256:${"a".repeat(64)}`);
    expect(cp.args).toContain("--namespaces=team-a,team-b");
  });

  it("prints CRDs first, then Helm's install order (ServiceAccount before RBAC before Services before Deployments)", () => {
    const [, overrides] = scenarios;
    const kinds = renderChart({ chartDir, release: "attache", namespace: "attache-system", overrides: [{ source: "test", values: overrides.values! }] }).map((d) => d.object.kind);
    expect(kinds).toEqual([
      ...Array(4).fill("CustomResourceDefinition"),
      "NetworkPolicy", "PodDisruptionBudget", "PodDisruptionBudget", "ServiceAccount", "ConfigMap",
      "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Service",
      "Deployment", "Deployment", "HorizontalPodAutoscaler",
    ]);
  });

  it("gives the Envoy pods a checksum of the bootstrap ConfigMap's rendered text", async () => {
    const { createHash } = await import("node:crypto");
    const docs = renderChart({ chartDir, release: "attache", namespace: "attache-system" });
    const configMap = docs.find((d) => d.object.kind === "ConfigMap")!;
    const envoy = docs.find((d) => d.object.kind === "Deployment" && (d.object as Obj).metadata.name === "attache-envoy")!.object as Obj;
    // Helm hashes the template's whole output, i.e. the document text before splitting.
    expect(envoy.spec.template.metadata.annotations["checksum/bootstrap"]).toBe(createHash("sha256").update(configMap.text + "\n").digest("hex"));
  });
});
