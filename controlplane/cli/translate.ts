// `attache translate <paths...> [--format yaml|json] [--type <type>]`: loads the YAML like
// `attache validate` / `attache dev` do, runs the model and the translator, and prints the
// Envoy resources grouped by type (listeners, routes, clusters, endpoints, secrets,
// extensions). Problems go to stderr as `file:line: Kind ns/name: field: message`;
// the exit code is 1 when any resource is invalid, but the valid resources are still
// printed — exactly what Envoy would get.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { buildModel } from "../model/index.ts";
import type { SourceLocation } from "../sources/bundle.ts";
import { loadYamlPaths } from "../sources/file/scan.ts";
import { irProblems, SHORT_TYPE_NAMES, translate } from "../translate/index.ts";
import type { CommandIo } from "./commands.ts";
import { offlineModelOptions } from "./model-options.ts";
import { isSelfSignedInDev, MISSING_SECRET_NOTE } from "./file-mode-problems.ts";

const USAGE = `usage: attache translate [--format yaml|json] [--type ${Object.keys(SHORT_TYPE_NAMES).join("|")}] <files or directories...>\n`;

function where(location: SourceLocation | undefined): string {
  if (!location) return "";
  return location.line > 0 ? `${location.file}:${location.line}: ` : `${location.file}: `;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: "string", default: "yaml" }, type: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    io.err(`attache translate: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!positionals.length) problems.push("no files or directories given");
  if (values.format !== "yaml" && values.format !== "json") problems.push(`--format must be yaml or json, not ${JSON.stringify(values.format)}`);
  if (values.type !== undefined && !(values.type in SHORT_TYPE_NAMES)) {
    problems.push(`--type must be one of ${Object.keys(SHORT_TYPE_NAMES).join(", ")}, not ${JSON.stringify(values.type)}`);
  }
  if (problems.length) {
    io.err(`${problems.map((p) => `attache translate: ${p}\n`).join("")}${USAGE}`);
    return 2;
  }

  const bundle = loadYamlPaths(positionals.map((p) => resolve(io.cwd, p)), io.cwd);
  const { ir, statuses } = buildModel(bundle, offlineModelOptions());
  const resources = translate(ir);

  const errors = bundle.errors.map((e) => `${where(e.location)}${e.message}`);
  const notes: string[] = [];
  for (const status of statuses) {
    for (const error of status.errors) {
      if (isSelfSignedInDev(status, error)) notes.push(`${where(status.location)}note: ${error} ${MISSING_SECRET_NOTE}; the Host is not in this output`);
      else errors.push(`${where(status.location)}${error}`);
    }
  }
  // Contract violations between model and translator are bugs, not user errors: warn only.
  const warnings = irProblems(ir).map((p) => `attache translate: warning: ${p}`);

  const selected = values.type ? { [values.type]: SHORT_TYPE_NAMES[values.type]! } : SHORT_TYPE_NAMES;
  const output: Record<string, unknown[]> = {};
  for (const [short, typeUrl] of Object.entries(selected)) output[short] = [...(resources[typeUrl]?.values() ?? [])];
  const document = values.type ? output[values.type] : output;
  io.out(values.format === "json" ? `${JSON.stringify(document, null, 2)}\n` : stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }));

  if (warnings.length) io.err(`${warnings.join("\n")}\n`);
  if (notes.length) io.err(`${notes.join("\n")}\n`);
  if (errors.length) {
    io.err(`${errors.join("\n")}\nattache translate: ${errors.length} error${errors.length === 1 ? "" : "s"}; invalid resources are left out of the output above\n`);
    return 1;
  }
  return 0;
}
