// Self-service configuration in a Service annotation, as Emissary users write
// `getambassador.io/config`: `attache.dev/config` holds multi-document YAML of our kinds
// (Mapping, Host, WasmFilter, AuthService). Each document defaults to the Service's
// namespace; a document that is not YAML, or not an object, becomes a source error located
// at the annotation, and the other documents still count.
import { parseAllDocuments } from "yaml";
import type { BundleResource, KubeObject, SourceError } from "../bundle.ts";

export const CONFIG_ANNOTATION = "attache.dev/config";
export const EMISSARY_CONFIG_ANNOTATION = "getambassador.io/config";

export interface AnnotationDocuments {
  resources: BundleResource[];
  errors: SourceError[];
}

/** Documents from one annotation; `file` names it in error locations. */
export function parseConfigAnnotation(text: string, service: { namespace: string; name: string }, annotation: string): AnnotationDocuments {
  const file = `Service ${service.namespace}/${service.name} annotation ${annotation}`;
  const resources: BundleResource[] = [];
  const errors: SourceError[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  for (const doc of parseAllDocuments(text)) {
    const line = lineOf(doc.contents?.range[0] ?? doc.range[0]);
    if (doc.errors.length) {
      errors.push({ location: { file, line }, message: doc.errors.map((e) => e.message).join("; ") });
      continue;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      errors.push({ location: { file, line }, message: "a document must be a Kubernetes object (apiVersion, kind, metadata, spec)" });
      continue;
    }
    const object = value as KubeObject;
    const metadata = { ...(object.metadata ?? {}) };
    metadata.namespace ??= service.namespace;
    resources.push({ object: Object.freeze({ ...object, metadata }), location: { file, line } });
  }
  return { resources, errors };
}
