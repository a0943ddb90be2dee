// `attache manifests` as a user runs it: plain YAML that parses, CRDs first and equal to the
// generated ones, values from files and --set, and clear errors for bad input.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdManifests } from "../api/crds.ts";
import { main } from "./main.ts";

type Obj = Record<string, any>;

async function attache(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["manifests", ...args], { out: (t) => (out += t), err: (t) => (err += t), cwd: process.cwd() });
  return { code, out, err };
}

function objects(text: string): Obj[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Obj;
  });
}

describe("attache manifests", () => {
  it("prints multi-document YAML that parses, starting with CRDs equal to the generated ones", async () => {
    const { code, out, err } = await attache();
    expect(err).toBe("");
    expect(code).toBe(0);
    const objs = objects(out);
    const crds = objs.filter((o) => o.kind === "CustomResourceDefinition");
    expect(objs.slice(0, crds.length)).toEqual(crds);
    const byName = (list: Obj[]) => [...list].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(byName(crds)).toEqual(byName(crdManifests().map((m) => JSON.parse(JSON.stringify(m)))));
    expect(out).toMatch(/^---\n# Source: attache\/crds\/attache\.dev_authservices\.yaml\n/);
    expect(objs.filter((o) => o.kind === "Deployment").map((o) => o.metadata.namespace)).toEqual(["attache-system", "attache-system"]);
  });

  it("uses --namespace and --release in names, namespaces and the Envoy bootstrap", async () => {
    const { code, out } = await attache("--namespace", "gw", "--release", "edge");
    expect(code).toBe(0);
    const objs = objects(out);
    const configMap = objs.find((o) => o.kind === "ConfigMap")!;
    expect(configMap.metadata).toMatchObject({ name: "edge-attache-envoy-bootstrap", namespace: "gw" });
    expect(configMap.data["envoy.json"]).toContain('"address": "edge-attache-xds.gw.svc"');
  });

  it("layers --values files, then --set and --set-string, later ones winning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-manifests-"));
    writeFileSync(join(dir, "prod.yaml"), "autoscaling:\n  enabled: true\n  maxReplicas: 5\nwatchNamespaces: [shop]\n");
    const { code, out, err } = await attache("-f", join(dir, "prod.yaml"), "--set", "autoscaling.maxReplicas=8,networkPolicy.enabled=true", "--set", "watchNamespaces={shop,billing}", "--set-string", "controlPlane.image.tag=2");
    expect(err).toBe("");
    expect(code).toBe(0);
    const objs = objects(out);
    expect(objs.find((o) => o.kind === "HorizontalPodAutoscaler")!.spec.maxReplicas).toBe(8);
    expect(objs.some((o) => o.kind === "NetworkPolicy")).toBe(true);
    const cp = objs.find((o) => o.metadata.name === "attache-controlplane" && o.kind === "Deployment")!.spec.template.spec.containers[0];
    expect(cp.args).toContain("--namespaces=shop,billing");
    expect(cp.image).toBe("ghcr.io/attache-dev/attache:2");
  });

  it.each([
    [["--set", "autoscaling.enabled"], '--set "autoscaling.enabled": expected key=value'],
    [["--set", "envoy.replicas=many"], "--set envoy.replicas=many: envoy.replicas must be a number like the chart's default 2"],
    [["--set", "controlPlane.image=nginx"], "controlPlane.image must be a map as in the chart's values.yaml"],
    [["--set", "watchNamespaces=shop"], "watchNamespaces must be a list as in the chart's values.yaml (write lists as watchNamespaces={a,b})"],
    [["--values", "/nonexistent/values.yaml"], "--values /nonexistent/values.yaml: no such file"],
    [["--set", "serviceAccount.create=false"], "serviceAccount.name is required when serviceAccount.create is false"],
    [["--release", "My_Release"], '--release "My_Release": must be a lowercase DNS name'],
    [["--chart", "/nonexistent"], "no chart at /nonexistent"],
  ])("fails clearly for %j", async (args, message) => {
    const { code, out, err } = await attache(...args);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(/^attache manifests: /);
    expect(err).toContain(message);
  });

  it("names the file and line of a values file that is not valid YAML, or not a map", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attache-manifests-"));
    writeFileSync(join(dir, "broken.yaml"), "envoy:\n  replicas: [1,\n");
    writeFileSync(join(dir, "list.yaml"), "- a\n- b\n");
    const broken = await attache("--values", join(dir, "broken.yaml"));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(new RegExp(`--values ${join(dir, "broken.yaml")}: .*line 3`));
    const list = await attache("--values", join(dir, "list.yaml"));
    expect(list.err).toContain("the top level must be a map of values, not a list");
  });

  it("rejects unknown flags with the usage", async () => {
    const { code, err } = await attache("--sett", "a=b");
    expect(code).toBe(2);
    expect(err).toContain("usage: attache manifests");
  });
});
