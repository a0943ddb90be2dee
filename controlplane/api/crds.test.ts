// The CRDs in charts/attache/crds/ are exactly what the schema source generates, and they
// follow Kubernetes' structural-schema rules (so the apiserver accepts them).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFileName, crdManifests, renderCrdYaml } from "./crd-files.ts";

const dir = fileURLToPath(new URL("../../charts/attache/crds/", import.meta.url));

type Node = Record<string, unknown>;

/** Structural rules (apiextensions.k8s.io/v1): every schema node specifies a type (or
 *  x-kubernetes-preserve-unknown-fields), no $ref/const/additionalProperties:false/
 *  patternProperties, properties and additionalProperties never together, and inside
 *  oneOf/anyOf/not only value validations (here: `required`). Also: every field described. */
function structuralProblems(node: Node, path: string, problems: string[]): string[] {
  for (const key of ["$ref", "const", "patternProperties", "$id"]) if (key in node) problems.push(`${path}: ${key}`);
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties false`);
  if (node.properties && node.additionalProperties) problems.push(`${path}: properties with additionalProperties`);
  if (!node.type && !node["x-kubernetes-preserve-unknown-fields"]) problems.push(`${path}: no type`);
  for (const combinator of ["oneOf", "anyOf"]) {
    for (const branch of (node[combinator] as Node[] | undefined) ?? []) {
      if (Object.keys(branch).some((k) => k !== "required")) problems.push(`${path}.${combinator}: only required allowed`);
    }
  }
  if (node.not && Object.keys(node.not as Node).some((k) => k !== "anyOf")) problems.push(`${path}.not: only anyOf allowed`);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node>) ?? {})) {
    if (!child.description && !["apiVersion", "kind", "metadata"].includes(name)) problems.push(`${path}.${name}: no description`);
    structuralProblems(child, `${path}.${name}`, problems);
  }
  if (node.items) structuralProblems(node.items as Node, `${path}[]`, problems);
  if (node.additionalProperties && typeof node.additionalProperties === "object") structuralProblems(node.additionalProperties as Node, `${path}{}`, problems);
  return problems;
}

describe("CRD manifests", () => {
  it("charts/attache/crds/ matches the generator (run: npx tsx controlplane/api/write-crds.ts)", () => {
    const expected = new Map(crdManifests().map((m) => [crdFileName(m), renderCrdYaml(m)]));
    const actual = new Map(readdirSync(dir).filter((f) => f.startsWith("attache.dev_")).map((f) => [f, readFileSync(dir + f, "utf8")]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) expect(actual.get(file), file).toBe(text);
  });

  it.each(crdManifests().map((m) => [crdFileName(m), m] as const))("%s is a structural schema with descriptions and a status subresource", (_file, manifest) => {
    const version = (manifest as { spec: { versions: Node[] } }).spec.versions[0];
    expect(version.subresources).toEqual({ status: {} });
    const schema = (version.schema as { openAPIV3Schema: Node }).openAPIV3Schema;
    expect(structuralProblems(schema, "", [])).toEqual([]);
    const status = (schema.properties as Record<string, Node>).status;
    const condition = ((status.properties as Record<string, Node>).conditions.items as Node);
    expect(condition.required).toEqual(["type", "status", "lastTransitionTime", "reason", "message"]);
  });

  it("the Mapping CRD has every field docs/design.md lists", () => {
    const mapping = crdManifests().find((m) => crdFileName(m) === "attache.dev_mappings.yaml") as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }[] } };
    const fields = Object.keys(mapping.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties);
    expect(fields).toEqual(expect.arrayContaining(["hostname", "prefix", "path", "regex", "method", "headers", "queryParameters", "service", "rewrite", "regexRewrite", "hostRewrite", "timeout", "idleTimeout", "retryPolicy", "circuitBreakers", "loadBalancer", "cors", "addRequestHeaders", "removeRequestHeaders", "addResponseHeaders", "removeResponseHeaders", "grpc", "allowUpgrade", "weight", "canary", "shadow", "precedence", "bypassAuth", "rateLimit", "filters", "host"]));
  });
});
