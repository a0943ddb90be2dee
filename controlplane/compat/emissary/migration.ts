// The migration suite's harness: Emissary configurations under testdata/in/<case>.yaml go
// through `attache convert` (convertEmissaryYaml) and then the same model + translate the
// controlplane goldens use (controlplane/testdata/golden.ts). Goldens in testdata/out/:
// <case>.converted.yaml (what convert prints), <case>.report.txt (its per-object report) and
// the Envoy resources per type plus statuses, as controlplane/testdata writes them.
// `UPDATE_GOLDENS=1 npx vitest run controlplane/compat` rewrites them.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { buildModel } from "../../model/index.ts";
import { bundleFromYaml, goldenFiles, GOLDEN_MODEL_OPTIONS, type CaseResult } from "../../testdata/golden.ts";
import { translate } from "../../translate/index.ts";
import { convertEmissaryYaml, describeReport, type ConvertResult } from "./convert.ts";

export const MIGRATION_IN = join(import.meta.dirname, "testdata", "in");
export const MIGRATION_OUT = join(import.meta.dirname, "testdata", "out");

export function migrationCases(): string[] {
  return readdirSync(MIGRATION_IN).filter((f) => f.endsWith(".yaml")).map((f) => basename(f, ".yaml")).sort();
}

export interface MigrationResult extends CaseResult {
  conversion: ConvertResult;
}

export function runMigrationCase(name: string): MigrationResult {
  const file = `${name}.yaml`;
  const conversion = convertEmissaryYaml(readFileSync(join(MIGRATION_IN, file), "utf8"), file);
  const bundle = bundleFromYaml(conversion.yaml, `${name}.converted.yaml`);
  const model = buildModel(bundle, GOLDEN_MODEL_OPTIONS);
  return { conversion, bundle, model, ir: model.ir, resources: translate(model.ir) };
}

export function migrationGoldenFiles(name: string, result: MigrationResult): Map<string, string> {
  const files = goldenFiles(name, result);
  files.set(`${name}.converted.yaml`, result.conversion.yaml);
  files.set(`${name}.report.txt`, `${[...result.conversion.errors.map((e) => `error: ${e}`), ...result.conversion.reports.map(describeReport)].join("\n")}\n`);
  return files;
}
