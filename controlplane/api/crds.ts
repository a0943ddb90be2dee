// CustomResourceDefinitions generated from the TypeBox schemas (kinds.ts), written to
// charts/attache/crds/ by `tsx controlplane/api/write-crds.ts` and checked by crds.test.ts.
// Kubernetes wants structural schemas (apiextensions.k8s.io/v1): no `additionalProperties:
// false` (unknown fields are pruned instead, or rejected by kubectl's strict field
// validation), no `const`, and `metadata` left to the apiserver. Static checks the apiserver
// can make at admission are CEL rules (`x-kubernetes-validations`) written beside the JSON
// Schema keywords ajv uses for the same check; the CRD keeps the rule, whose message names
// the problem, and drops the keyword.
import { API_GROUP, API_VERSION, KINDS, type KindInfo } from "./kinds.ts";
import { AJV_ONLY, Status } from "./schema-kit.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Deep copy without TypeBox's symbol keys and the keywords Kubernetes rejects. */
export function toStructural(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== "object") return schema as Json;
  const result: { [key: string]: Json } = {};
  // Keywords a CEL rule of the same node replaces (schema-kit.ts cel()).
  const replaced = new Set<string>([AJV_ONLY, ...((schema as Record<string, unknown>)[AJV_ONLY] as string[] | undefined ?? [])]);
  for (const [key, value] of Object.entries(schema)) {
    if (key === "additionalProperties" && value === false) continue;
    if (key === "$id" || key === "const" || replaced.has(key)) continue;
    result[key] = toStructural(value);
  }
  return result;
}

function crd(info: KindInfo): Json {
  const plural = info.plural;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${API_GROUP}`, labels: { "app.kubernetes.io/part-of": "attache" } },
    spec: {
      group: API_GROUP,
      names: { kind: info.kind, listKind: `${info.kind}List`, plural, singular: info.kind.toLowerCase(), shortNames: info.shortNames, categories: ["attache"] },
      scope: "Namespaced",
      versions: [{
        name: API_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Accepted", type: "string", jsonPath: '.status.conditions[?(@.type=="Accepted")].status' },
          { name: "Reason", type: "string", jsonPath: '.status.conditions[?(@.type=="Accepted")].reason' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description: `${info.kind} (${API_GROUP}/${API_VERSION}). ${String((info.spec as { description?: string }).description ?? "")}`,
            required: ["spec"],
            properties: {
              apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
              kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
              metadata: { type: "object" },
              spec: toStructural(info.spec),
              status: toStructural(Status),
            },
          },
        },
      }],
    },
  };
}

export function crdManifests(): object[] {
  return KINDS.map(crd) as object[];
}

/** File name under charts/attache/crds/ for each manifest, e.g. "attache.dev_mappings.yaml". */
export function crdFileName(manifest: object): string {
  const spec = (manifest as { spec: { group: string; names: { plural: string } } }).spec;
  return `${spec.group}_${spec.names.plural}.yaml`;
}
