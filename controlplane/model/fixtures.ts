// Shared by the model tests: YAML in, model out, with fixed options.
import { parseYamlDocuments } from "../sources/file/parse.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { buildModel, type ModelOptions, type ModelResult } from "./index.ts";
import { loadFilterSchemas } from "../sources/file/local-filters.ts";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export const TEST_OPTIONS: ModelOptions = {
  moduleServer: { clusterName: "attache-modules", host: "127.0.0.1", port: 18002 },
  modules: { auth: { sha256: "a".repeat(64) }, ratelimit: { sha256: "b".repeat(64) }, canary: { sha256: "c".repeat(64) }, template: { sha256: "d".repeat(64) } },
  filterSchemas: loadFilterSchemas(REPO),
  now: "2026-01-01T00:00:00Z",
};

let revision = 0;
export function bundle(yaml: string, file = "test.yaml"): ResourceBundle {
  const parsed = parseYamlDocuments(yaml, file);
  return { revision: ++revision, resources: parsed.resources, errors: parsed.errors };
}

export function model(yaml: string, options: Partial<ModelOptions> = {}): ModelResult {
  return buildModel(bundle(yaml), { ...TEST_OPTIONS, ...options });
}

export function errorsOf(result: ModelResult): string[] {
  return result.statuses.flatMap((s) => s.errors);
}

export function statusOf(result: ModelResult, kind: string, name: string, namespace = "default") {
  const status = result.statuses.find((s) => s.ref.kind === kind && s.ref.name === name && s.ref.namespace === namespace);
  if (!status) throw new Error(`no status for ${kind} ${namespace}/${name}`);
  return status;
}

export function condition(result: ModelResult, kind: string, name: string, type: string) {
  return statusOf(result, kind, name).conditions.find((c) => c.type === type);
}

/** A Mapping document. */
export function mapping(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name, ...extra }, spec });
}

export function doc(kind: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "attache.dev/v1alpha1", kind, metadata: { name, ...metadata }, spec });
}

export const docs = (...parts: string[]) => parts.join("\n---\n");
