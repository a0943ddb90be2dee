// The golden harness (Envoy Gateway style, internal/xds/translator/translator_test.go):
// testdata/in/<case>.yaml (multi-document CRD YAML) -> model -> translate ->
// testdata/out/<case>.<type>.yaml per xDS type plus <case>.status.yaml (the inputs with their
// computed status). `UPDATE_GOLDENS=1 npx vitest run controlplane/testdata` rewrites the
// goldens and deletes stale ones; without it a missing, stale or different golden fails.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { stringify } from "yaml";
import type { GatewayIR } from "../ir/types.ts";
import { buildModel } from "../model/index.ts";
import type { ModelOptions, ModelResult } from "../model/types.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { parseYamlDocuments } from "../sources/file/parse.ts";
import { loadFilterSchemas } from "../sources/file/local-filters.ts";
import { SHORT_TYPE_NAMES, translate, type XdsResources } from "../translate/index.ts";

export const IN_DIR = join(import.meta.dirname, "in");
export const OUT_DIR = join(import.meta.dirname, "out");

/** Fixed so goldens do not change with the clock or the build. */
export const GOLDEN_NOW = "2026-01-01T00:00:00Z";
export const GOLDEN_MODEL_OPTIONS: ModelOptions = {
  moduleServer: { clusterName: "attache_modules", host: "attache.attache-system.svc", port: 18002 },
  modules: { auth: { sha256: "a1".repeat(32) }, ratelimit: { sha256: "b2".repeat(32) }, canary: { sha256: "c3".repeat(32) } },
  // The real configuration schemas of filters/<name>/config.schema.json: goldens show what
  // a user of this repository gets, including per-route settings checks.
  filterSchemas: loadFilterSchemas(join(import.meta.dirname, "..", "..")),
  now: GOLDEN_NOW,
};

export function caseNames(): string[] {
  return readdirSync(IN_DIR).filter((f) => f.endsWith(".yaml")).map((f) => basename(f, ".yaml")).sort();
}

/** Multi-document YAML -> a bundle, with the file source's parser (file and line per document). */
export function bundleFromYaml(text: string, file: string): ResourceBundle {
  const parsed = parseYamlDocuments(text, file);
  return { revision: 1, resources: parsed.resources, errors: parsed.errors };
}

export interface CaseResult {
  bundle: ResourceBundle;
  model: ModelResult;
  ir: GatewayIR;
  resources: XdsResources;
}

export function runCase(name: string): CaseResult {
  const file = `${name}.yaml`;
  const bundle = bundleFromYaml(readFileSync(join(IN_DIR, file), "utf8"), file);
  const model = buildModel(bundle, GOLDEN_MODEL_OPTIONS);
  return { bundle, model, ir: model.ir, resources: translate(model.ir) };
}

const toYaml = (value: unknown): string => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

/** The inputs with `status.conditions` from the model (lastTransitionTime normalized). */
function statusDocument(result: CaseResult): string {
  const key = (kind: unknown, namespace: unknown, name: unknown) => `${kind}/${namespace ?? ""}/${name}`;
  const byRef = new Map(result.model.statuses.map((s) => [key(s.ref.kind, s.ref.namespace, s.ref.name), s]));
  const docs = result.bundle.resources.map(({ object }) => {
    const meta = object.metadata ?? {};
    const status = byRef.get(key(object.kind, meta.namespace ?? "default", meta.name)) ?? byRef.get(key(object.kind, meta.namespace, meta.name));
    if (!status) return object;
    const conditions = status.conditions.map((c) => ({ ...c, lastTransitionTime: GOLDEN_NOW }));
    return { ...object, status: { conditions } };
  });
  return docs.map(toYaml).join("---\n");
}

/** Every golden file of a case: `<case>.<short type>.yaml` for each non-empty xDS type. */
export function goldenFiles(name: string, result: CaseResult): Map<string, string> {
  const files = new Map<string, string>();
  for (const [short, typeUrl] of Object.entries(SHORT_TYPE_NAMES)) {
    const resources = [...(result.resources[typeUrl]?.values() ?? [])];
    if (resources.length) files.set(`${name}.${short}.yaml`, toYaml(resources));
  }
  if (result.bundle.resources.length) files.set(`${name}.status.yaml`, statusDocument(result));
  return files;
}
